"""Scheduled (hourly): verify the audit chain since the previous anchor against the
write-once copy of its entries, then publish the head to the Object Lock anchors bucket
(rtcc.anchors), so a later rewrite or truncation of the chain cannot go unnoticed. On a
mismatch nothing is published: an error is logged and AuditAnchorRefused (alarmed) counted."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.anchor_store import S3AnchorStore
from rtcc.anchors import AnchorRefused, publish
from rtcc.audit import AuditLog
from rtcc.audit_archive import copied_entries
from rtcc.metrics import count

logger = Logger(service="rtcc-audit-anchor")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    log, store = AuditLog(), S3AnchorStore()
    try:
        anchor = publish(log, store, lambda after: copied_entries(store, log.chain, after_seq=after))
    except AnchorRefused as refused:
        logger.error(
            "audit chain does not verify against its write-once copy: anchor NOT published",
            extra={"first_broken_seq": refused.result.first_broken_seq, "reason": refused.result.reason},
        )
        count("AuditAnchorRefused", "mismatch")
        return {"anchored": None, "refused": str(refused)}
    if anchor is None:
        logger.info("audit chain is empty; nothing to anchor")
        return {"anchored": None}
    logger.info("audit head anchored", extra={"seq": anchor.seq, "entry_hash": anchor.entry_hash})
    return {"anchored": f"{anchor.seq}:{anchor.entry_hash}"}
