"""Scheduled (every minute): one audit entry per public door and minute that refused
unauthenticated requests, with the count and reasons (rtcc.refusals)."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.refusals import summarise

logger = Logger(service="rtcc-refusals")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    written = summarise()
    logger.info("refusals summarised", extra={"entries": len(written)})
    return {"entries": len(written), "refused": sum(s.total for s in written)}
