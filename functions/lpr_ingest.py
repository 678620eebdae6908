"""POST /ingest/lpr/reads: plate readers' reads and heartbeats (rtcc.lpr.ingest).

Public at the gateway; each request authenticates as a registered source (bearer token or
HMAC signature) here. Thin: the body's bytes and headers to `ReadIngest`, its answer or
refusal to JSON. Logs and counts outcomes only, never a plate, a header or a secret.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.errors import DomainError
from rtcc.metrics import count

logger = Logger(service="rtcc-lpr-ingest")

_ingest: Any = None
#: Refusals at the door, counted per minute and summarised in the audit log once a minute
#: (rtcc.refusals: a forged flood never lengthens the chain entry by entry), and as a metric.
_REFUSALS = {401: "unauthenticated", 403: "forbidden", 413: "too_large"}
_built_for: Any = None


def _warm() -> None:
    """Before a SnapStart snapshot: the imports the first request needs (no clients: those
    are made after restore, with the restored environment's credentials)."""
    import rtcc.lpr.ingest  # noqa: F401
    import rtcc.lpr.reads_dynamodb  # noqa: F401
    import rtcc.lpr.sources_dynamodb  # noqa: F401
    from rtcc.lpr.settings import lpr_settings

    lpr_settings()


snapstart.enable(warm=_warm)


def _default_ingest() -> Any:
    """Built on first use after a restore, and again when the settings are reloaded (the
    local stack's tests change limits), never per request: it keeps opened HMAC keys."""
    global _ingest, _built_for
    from rtcc.lpr.settings import lpr_settings

    if _ingest is None or _built_for is not lpr_settings():
        from rtcc.lpr.counts_dynamodb import DynamoCounts
        from rtcc.lpr.hit_record import HitRecorder
        from rtcc.lpr.ingest import IngestRules, ReadIngest, SourceGate
        from rtcc.lpr.keyed_hotlists import KeyedHotlists
        from rtcc.lpr.reads_dynamodb import DynamoDbReads
        from rtcc.lpr.sources_dynamodb import DynamoDbSources, KmsSecretSealer

        s = _built_for = lpr_settings()
        store = DynamoDbSources()
        gate = SourceGate(store, KmsSecretSealer(s.sources_key_id), s.signature_max_skew)
        rules = IngestRules(retention=s.retention, max_bytes=s.max_read_bytes, skew=s.signature_max_skew)
        _ingest = ReadIngest(
            gate, store, DynamoDbReads(), rules, KeyedHotlists(), HitRecorder(), DynamoCounts()
        )
    return _ingest


def _answer(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _refused(error: DomainError) -> dict:
    outcome = _REFUSALS.get(error.status)
    if outcome is not None:
        from rtcc.refusals import LPR_INGEST_DOOR, count_refusal

        count_refusal(LPR_INGEST_DOOR, outcome)
    count("LprIngestRefused", outcome or "invalid")
    logger.warning("plate reads refused", extra={"status": error.status, "field": error.field})
    body = {"error": error.message, "field": error.field, "message": error.message}
    refused = getattr(error, "refused", None)
    if refused is not None:
        from rtcc.lpr.ingest import refusals_out

        body["refused"] = refusals_out(refused)
    return _answer(error.status, body)


def _body(event: dict, limit: int) -> bytes:
    """The raw bytes (the signature covers them exactly). An over-long body is refused on its
    encoded length before it is decoded: base64 is 4/3 of the bytes."""
    from rtcc.lpr.reads import ReadPayloadError, ReadPayloadTooLarge

    text = event.get("body") or ""
    encoded = bool(event.get("isBase64Encoded"))
    # Unencoded, a character is at least a byte: more characters than the limit are too many.
    if len(text) > (limit * 4 // 3 + 4 if encoded else limit):
        raise ReadPayloadTooLarge(f"over {limit} bytes", field="body")
    try:
        return base64.b64decode(text, validate=True) if encoded else text.encode("utf-8", "surrogatepass")
    except (binascii.Error, UnicodeEncodeError):
        raise ReadPayloadError("not a readable body", field="body") from None


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext, ingest: Any = None) -> dict:
    if (event.get("httpMethod") or "POST").upper() != "POST":
        return _answer(405, {"error": "POST only", "field": None, "message": "POST only"})
    ingest = ingest or _default_ingest()
    try:
        body = _body(event, ingest.rules.max_bytes)
        result = ingest.receive(event.get("headers") or {}, body)
    except DomainError as error:
        return _refused(error)
    except Exception as error:  # noqa: BLE001 - the vendor must retry, and learns nothing else
        # A read's own item is written last, so a retry redoes this delivery whole. The
        # error's type only: a message or traceback could carry a plate.
        count("LprReads", "failed")
        logger.error("plate reads not stored", extra={"error": type(error).__name__})
        return _answer(
            503, {"error": "not stored: send again", "field": None, "message": "not stored: send again"}
        )
    answer = result.body()
    counts = {"stored": result.accepted, "duplicate": result.duplicates, "refused": len(result.refused)}
    for outcome in (name for name, n in counts.items() if n):
        count("LprReads", outcome)
    hits = {"new": result.hits - result.folded, "folded": result.folded}
    for outcome in (name for name, n in hits.items() if n):
        count("LprHits", outcome)
    logger.info("plate reads", extra=counts | {"heartbeats": result.heartbeats, "hits": result.hits})
    return _answer(200, answer)
