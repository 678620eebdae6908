"""POST /webhooks/cad/incidents: the city's CAD (computer-aided dispatch) sends incidents.

Public at the gateway; each request proves it comes from CAD with an HMAC signature of its
exact bytes (rtcc.cameras.cad) before anything is parsed. Thin: size, signature, the JSON to
rtcc.cameras.incidents, the incident to the desk (stored once, with its live windows and the
feed item). Refusals are counted per minute (rtcc.refusals) and as a metric; logs name
outcomes only, never the notes, the address or a header.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.errors import DomainError
from rtcc.metrics import count

logger = Logger(service="rtcc-cameras-cad")

#: Refusals at the door (rtcc.refusals: summarised in the audit log once a minute).
_REFUSALS = {401: "unauthenticated", 413: "too_large"}


def _warm() -> None:
    import rtcc.cameras.incidents_dynamodb  # noqa: F401


snapstart.enable(warm=_warm)


class TooLarge(DomainError):
    status = 413


def _answer(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _body(event: dict, limit: int) -> bytes:
    """The raw bytes the signature covers; over `limit` refused before decoding."""
    text = event.get("body") or ""
    encoded = bool(event.get("isBase64Encoded"))
    if len(text) > (limit * 4 // 3 + 4 if encoded else limit):
        raise TooLarge(f"over {limit} bytes", field="body")
    try:
        data = base64.b64decode(text, validate=True) if encoded else text.encode("utf-8", "surrogatepass")
    except (binascii.Error, UnicodeEncodeError):
        raise DomainError("not a readable body", field="body") from None
    if len(data) > limit:
        raise TooLarge(f"over {limit} bytes", field="body")
    return data


def _refused(error: DomainError) -> dict:
    reason = _REFUSALS.get(error.status)
    if reason is not None:
        from rtcc.refusals import CAD_DOOR, count_refusal

        count_refusal(CAD_DOOR, reason)
    count("CadWebhookRefused", reason or ("invalid" if error.status == 400 else str(error.status)))
    logger.warning("CAD incident refused", extra={"status": error.status, "field": error.field})
    return _answer(error.status, {"error": error.message, "field": error.field, "message": error.message})


def _cad_audit(incident: Any) -> None:
    from rtcc.audit import AuditEvent, AuditLog

    action = "incident.create" if incident.active else "incident.close"
    detail = {"type": incident.type, "status": incident.status, "source": "cad"}
    AuditLog().append(
        AuditEvent(actor="cad", role="system", action=action, target=incident.incident_id, detail=detail)
    )


def receive(event: dict, desk: Any = None) -> dict:
    from rtcc.cameras.cad import HEADER, verify
    from rtcc.cameras.incidents import parse_cad
    from rtcc.cameras.settings import cameras_settings
    from rtcc.secrets import secret_value

    body = _body(event, cameras_settings().cad_max_bytes)
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    verify(headers.get(HEADER), body, secret_value("cad_webhook_secret"), datetime.now(UTC))
    cad = parse_cad(body)
    if desk is None:
        from rtcc.cameras.incidents_dynamodb import default_desk

        desk = default_desk()
    result = desk.receive_cad(cad, _cad_audit)
    count("CadIncidents", result.outcome)
    logger.info("CAD incident", extra={"outcome": result.outcome, "status": cad.status})
    return _answer(200, {"incident_id": cad.incident_id, "outcome": result.outcome})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext, desk: Any = None) -> dict:
    if (event.get("httpMethod") or "POST").upper() != "POST":
        return _answer(405, {"error": "POST only", "field": None, "message": "POST only"})
    try:
        return receive(event, desk)
    except DomainError as error:
        return _refused(error)
    except Exception as error:  # noqa: BLE001 - CAD must send again, and learns nothing else
        count("CadIncidents", "failed")
        logger.error("CAD incident not stored", extra={"error": type(error).__name__})
        return _answer(
            503, {"error": "not stored: send again", "field": None, "message": "not stored: send again"}
        )
