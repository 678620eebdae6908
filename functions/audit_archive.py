"""The audit table's stream consumer: copies every new audit entry to the Object Lock
bucket (rtcc.audit_archive) within a minute of its append. A MODIFY or REMOVE record
means someone rewrote or deleted an entry: it is logged as an error and counted
(AuditTamper, alarmed), and the changed image is never archived."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.anchor_store import S3AnchorStore
from rtcc.audit import AuditEntry
from rtcc.audit_archive import archive, entry_from_image
from rtcc.metrics import count

logger = Logger(service="rtcc-audit-archive")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    records = event.get("Records") or []
    batches: dict[str, list[AuditEntry]] = defaultdict(list)
    for record in records:
        if record.get("eventName") == "INSERT":
            chain, entry = entry_from_image(record["dynamodb"]["NewImage"])
            batches[chain].append(entry)
        else:
            _report_tamper(record)
    # One object per chain per batch. A failure raises: the event source mapping retries
    # the whole batch (rewriting identical objects is harmless), so nothing is skipped.
    keys = [archive(S3AnchorStore(), chain, entries) for chain, entries in batches.items()]
    logger.info("audit entries archived", extra={"objects": keys, "records": len(records)})
    return {"archived": len(keys)}


def _report_tamper(record: dict[str, Any]) -> None:
    data = record.get("dynamodb") or {}
    keys = data.get("Keys") or {}
    logger.error(
        "audit entry changed or removed in the table: tampering",
        extra={
            "event": record.get("eventName"),
            "chain": (keys.get("chain") or {}).get("S"),
            "seq": (keys.get("seq") or {}).get("N"),
        },
    )
    count("AuditTamper", str(record.get("eventName", "unknown")).lower())
