"""Builds the one REST resolver: validation, OpenAPI, error bodies, routers."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from rtcc import __version__
from rtcc.api.routes import audit as audit_routes
from rtcc.api.routes import platform as platform_routes
from rtcc.api.routes import tips as tips_routes
from rtcc.api.security import precheck

logger = Logger(service="rtcc-api")

SWAGGER_ASSETS = "/vendor/swagger-ui"


def _error(status: int, message: str, detail: object | None = None) -> Response:
    body: dict[str, object] = {"statusCode": status, "message": message}
    if detail is not None:
        body["detail"] = detail
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def _describe(errors: list[dict]) -> list[dict]:
    """Validation errors as {field, problem}: what a caller needs, nothing of our internals."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        out.append(
            {"field": ".".join(loc) or "body", "problem": err.get("msg", "invalid"), "type": err.get("type")}
        )
    return out


class RtccResolver(APIGatewayRestResolver):
    """The Powertools REST resolver, refusing oversized and anonymous requests before
    any route, validation or body parsing runs."""

    def resolve(self, event: dict, context) -> dict:  # type: ignore[override]
        refused = precheck(event)
        if refused:
            status, message = refused
            return {
                "statusCode": status,
                "headers": {"Content-Type": content_types.APPLICATION_JSON},
                "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
                "body": json.dumps({"statusCode": status, "message": message}),
                "isBase64Encoded": False,
            }
        return super().resolve(event, context)


def build_app() -> APIGatewayRestResolver:
    app = RtccResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def on_validation(exc: RequestValidationError) -> Response:
        errors = _describe(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return _error(400, "body: malformed JSON", errors)
        return _error(422, f"{errors[0]['field']}: {errors[0]['problem']}", errors)

    @app.exception_handler(ServiceError)
    def on_service_error(exc: ServiceError) -> Response:
        return _error(exc.status_code, exc.msg)

    @app.not_found
    def on_not_found(exc: Exception) -> Response:
        return _error(404, f"no route for {app.current_event.http_method} {app.current_event.path}")

    @app.exception_handler(Exception)
    def on_unexpected(exc: Exception) -> Response:
        # Logged with the request id; the caller gets no stack trace and no internals.
        logger.exception("unhandled error")
        return _error(500, "internal error; quote the request id to an administrator")

    app.include_router(platform_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(tips_routes.router)

    app.enable_swagger(
        path="/api/docs",
        title="rtcc API",
        version=__version__,
        description="Real-Time Crime Center API. Staff calls carry a Cognito ID token as a Bearer token.",
        swagger_base_url=SWAGGER_ASSETS,
        security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
        security=[{"cognito": []}],
    )

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi():  # noqa: ANN202 (a Response, kept out of the schema)
        return Response(
            200,
            content_types.APPLICATION_JSON,
            app.get_openapi_json_schema(
                title="rtcc API",
                version=__version__,
                security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
                security=[{"cognito": []}],
            ),
        )

    return app
