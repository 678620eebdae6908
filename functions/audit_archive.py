"""The audit table's stream consumer: copies every new audit entry to the Object Lock
bucket (rtcc.audit_archive) within a minute of its append. A MODIFY or REMOVE record
means someone rewrote or deleted an entry, and an INSERT that `AuditLog.append` could not
have written (unreadable detail, a chain name no key can hold) means a put straight into
the table: each is logged as an error and counted (AuditTamper, alarmed). A changed image
is never archived; a malformed one is kept raw under entries/_malformed/, and the batch
goes on either way."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.anchor_store import S3AnchorStore
from rtcc.audit import AuditEntry
from rtcc.audit_archive import Malformed, archive, archive_malformed, entry_from_image
from rtcc.metrics import count

logger = Logger(service="rtcc-audit-archive")


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    records = event.get("Records") or []
    store = S3AnchorStore()
    batches: dict[str, list[AuditEntry]] = defaultdict(list)
    for record in records:
        if record.get("eventName") != "INSERT":
            _report_tamper(record)
            continue
        try:
            chain, entry = entry_from_image(((record.get("dynamodb") or {}).get("NewImage")) or {})
        except Malformed as malformed:
            # Never stop on one item: raising would hold every later entry back (the
            # mapping retries the batch) until the stream's 24 h retention drops them.
            _report_malformed(store, record, malformed)
            continue
        batches[chain].append(entry)
    # One object per chain per batch. A failed upload raises: the event source mapping
    # retries (bisecting the batch; rewriting identical objects is harmless), and after its
    # bounded retries sends the records' positions to the alarmed failure queue.
    keys = [archive(store, chain, entries) for chain, entries in batches.items()]
    logger.info("audit entries archived", extra={"objects": keys, "records": len(records)})
    return {"archived": len(keys)}


def _report_malformed(store: S3AnchorStore, record: dict[str, Any], malformed: Malformed) -> None:
    """An item append could not have written (a put straight into the table): kept raw,
    logged as an error and counted as tampering."""
    key = archive_malformed(store, record)
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    logger.error(
        "audit table item that append could not have written: tampering",
        extra={"reason": str(malformed), "kept_as": key, "seq": str((keys.get("seq") or {}).get("N"))[:32]},
    )
    count("AuditTamper", "malformed")


def _report_tamper(record: dict[str, Any]) -> None:
    data = record.get("dynamodb") or {}
    keys = data.get("Keys") or {}
    logger.error(
        "audit entry changed or removed in the table: tampering",
        extra={
            "event": record.get("eventName"),
            # Truncated: a chain name is whatever the writer put (up to 2 KB).
            "chain": str((keys.get("chain") or {}).get("S"))[:128],
            "seq": str((keys.get("seq") or {}).get("N"))[:32],
        },
    )
    count("AuditTamper", str(record.get("eventName", "unknown")).lower())
