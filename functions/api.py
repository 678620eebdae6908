"""The JSON API (/api/*) and the console configuration (/config.json)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.api.app import build_app

logger = Logger(service="rtcc-api")
tracer = Tracer(service="rtcc-api")
app = build_app()
# Routers load on their first request (rtcc.api.app); under SnapStart all of them load
# before the snapshot instead, so no restored environment pays for one.
snapstart.enable(warm=app.include_all)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
