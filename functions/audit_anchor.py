"""Scheduled (hourly): publish the audit chain's head to the Object Lock anchors bucket
(rtcc.anchors), so a later rewrite or truncation of the chain cannot go unnoticed."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.anchor_store import S3AnchorStore
from rtcc.anchors import publish
from rtcc.audit import AuditLog

logger = Logger(service="rtcc-audit-anchor")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    anchor = publish(AuditLog(), S3AnchorStore())
    if anchor is None:
        logger.info("audit chain is empty; nothing to anchor")
        return {"anchored": None}
    logger.info("audit head anchored", extra={"seq": anchor.seq, "entry_hash": anchor.entry_hash})
    return {"anchored": f"{anchor.seq}:{anchor.entry_hash}"}
