"""Scheduled (hourly): verify the audit chain since the previous anchor against the
write-once copy of its entries, then publish the head to the Object Lock anchors bucket
(rtcc.anchors), so a later rewrite or truncation of the chain cannot go unnoticed. On a
mismatch nothing is published: an error is logged and AuditAnchorRefused (alarmed) counted.
The first run of each UTC day (and each later one until one passes) also verifies the whole
chain against every anchor and the whole copy, records the outcome under checks/ and, on a
mismatch, counts AuditVerifyFailed (alarmed) (rtcc.anchors.full_check)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.anchor_store import S3AnchorStore
from rtcc.anchors import AnchorRefused, full_check, full_check_due, publish
from rtcc.audit import AuditEntry, AuditLog, utc_now
from rtcc.audit_archive import copied_entries
from rtcc.metrics import count

logger = Logger(service="rtcc-audit-anchor")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    log, store = AuditLog(), S3AnchorStore()

    def copy(after: int) -> Iterable[AuditEntry]:
        return copied_entries(store, log.chain, after_seq=after)

    outcome = _publish(log, store, copy)
    if full_check_due(store, log.chain, utc_now()):
        outcome["full_check"] = _full_check(log, store, copy)
    return outcome


def _publish(log: AuditLog, store: S3AnchorStore, copy: Callable[[int], Iterable[AuditEntry]]) -> dict:
    try:
        anchor = publish(log, store, copy)
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


def _full_check(log: AuditLog, store: S3AnchorStore, copy: Callable[[int], Iterable[AuditEntry]]) -> dict:
    """Once a day: the whole chain against every anchor and the whole copy (alarmed)."""
    result = full_check(log, store, copy)
    summary = {"ok": result.ok, "checked": result.checked, "head_seq": result.head_seq}
    if not result.ok:
        logger.error(
            "daily full check: the audit chain does not verify",
            extra={"first_broken_seq": result.first_broken_seq, "reason": result.reason},
        )
        count("AuditVerifyFailed", "mismatch")
        summary |= {"first_broken_seq": result.first_broken_seq, "reason": result.reason}
    else:
        logger.info("daily full check passed", extra=summary)
    return summary
