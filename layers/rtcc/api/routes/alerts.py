"""Supervisors' alerts routes (`/api/alerts`): preview, send, approve, cancel, list, and the
delivery view. Supervisor role for all of them; every change is audited before it is made
(AuditedWrite), with what was sent where and to how many, never to whom."""

from __future__ import annotations

import logging
import re
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.alerts.model import Tier
from rtcc.alerts.sending import AlertSending, Draft, SentAlert, settled
from rtcc.api import security
from rtcc.api.security import AuditedWrite, principal, require
from rtcc.auth import Role
from rtcc.errors import Invalid
from rtcc.models.alerts import (
    AlertDetailOut,
    AlertIn,
    AlertListOut,
    AlertOut,
    DraftIn,
    PreviewOut,
    ZoneCounts,
)

router = APIGatewayRouter()
logger = logging.getLogger(__name__)

_SUPERVISORS = [require(Role.SUPERVISOR)]
_ID = Annotated[str, Path(pattern=r"^A[0-9TZ]{16}-[0-9a-f]{8}$", description="Alert id")]
#: The composer's `Idempotency-Key` (a UUID per composed alert; IETF draft
#: "The Idempotency-Key HTTP Header Field"): a retried send answers the first one's alert.
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")


def _sending() -> AlertSending:
    from rtcc.alerts.sending_wiring import alert_sending

    return alert_sending()


def _me() -> str:
    return principal(router).username  # type: ignore[arg-type]


def _draft(body: DraftIn) -> Draft:
    extra = body if isinstance(body, AlertIn) else None
    return Draft(
        tier=Tier(body.tier),
        zones=tuple(body.zones),
        categories=tuple(body.categories),
        texts=dict(body.texts),
        headline=dict(extra.headline) if extra else {},
        expires_at=extra.expires_at if extra else None,
    )


def _out(record: SentAlert) -> AlertOut:
    alert = record.alert
    return AlertOut(
        alert_id=alert.alert_id,
        status=str(record.state),  # type: ignore[arg-type]
        tier=str(alert.tier),
        headline=alert.headline,
        texts=alert.texts,
        zones=list(alert.zones),
        categories=list(alert.categories),
        sender=alert.sender,
        created_at=record.created_at,
        sent_at=alert.sent_at,
        expires_at=alert.expires_at,
        recipients=sum(record.planned.values()),
        unqueued=sum(record.unqueued.values()),
        approved_by=record.approved_by,
        cancelled_by=record.cancelled_by,
    )


@router.post(
    "/api/alerts/preview", middlewares=_SUPERVISORS, summary="Reach and segments of a draft", tags=["alerts"]
)
def preview_alert(body: DraftIn) -> PreviewOut:
    preview = _sending().preview(_draft(body), _me())
    return PreviewOut(reach=preview.reach, segments=preview.segments)


@router.post("/api/alerts", middlewares=_SUPERVISORS, summary="Send an alert", tags=["alerts"])
def create_alert(body: AlertIn) -> AlertOut:
    sending = _sending()
    key = _idempotency_key()
    with AuditedWrite(router, "alert.send", "new") as entry:  # type: ignore[arg-type]
        record = sending.create(_draft(body), _me(), _RouteAudit(entry), key)
    return _out(record)


def _idempotency_key() -> str | None:
    key = router.current_event.get_header_value("Idempotency-Key")
    if key is not None and not _KEY.match(key):
        raise Invalid(
            "Idempotency-Key: 8 to 100 letters, digits, '-', '_', '.' or ':'", field="Idempotency-Key"
        )
    return key


class _RouteAudit:
    """The sending code's `SendAudit` over the request's AuditedWrite: one request may make
    a different write than its route names (a retried send re-queues: `alert.requeue`)."""

    def __init__(self, entry: AuditedWrite) -> None:
        self.entry = entry

    def intend(self, action: str, detail: dict) -> None:
        # The id is made by the domain right before the write: the entry names it.
        self.entry.action, self.entry.target = action, detail["alert_id"]
        self.entry.intend(detail=detail)

    def applied(self) -> None:
        self.entry.applied()

    def note(self, action: str, detail: dict) -> None:
        # Best effort: the 503 that follows (send again) matters more, the alert keeps the
        # refused counts (`unqueued`), and without this entry the log overstates the send
        # (the safe direction, as AuditedWrite's not_applied).
        try:
            security.audit(router, action, detail["alert_id"], detail=detail)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001
            logger.warning("audit: could not record %s", action)


@router.post(
    "/api/alerts/<alert_id>/approve",
    middlewares=_SUPERVISORS,
    summary="Approve an Emergency alert (a second supervisor)",
    tags=["alerts"],
)
def approve_alert(alert_id: _ID) -> AlertOut:
    sending = _sending()
    with AuditedWrite(router, "alert.approve", alert_id) as entry:  # type: ignore[arg-type]
        record = sending.approve(alert_id, _me(), _RouteAudit(entry))
    return _out(record)


@router.post(
    "/api/alerts/<alert_id>/cancel",
    middlewares=_SUPERVISORS,
    summary="Stop the remaining sends",
    tags=["alerts"],
)
def cancel_alert(alert_id: _ID) -> AlertOut:
    sending = _sending()
    with AuditedWrite(router, "alert.cancel", alert_id) as entry:  # type: ignore[arg-type]
        record = sending.cancel(alert_id, _me(), lambda detail: entry.intend(detail=detail))
    return _out(record)


@router.get("/api/alerts", middlewares=_SUPERVISORS, summary="Recent alerts, newest first", tags=["alerts"])
def list_alerts() -> AlertListOut:
    return AlertListOut(alerts=[_out(r) for r in _sending().recent(50)])


@router.get(
    "/api/alerts/<alert_id>",
    middlewares=_SUPERVISORS,
    summary="An alert and its delivery view",
    tags=["alerts"],
)
def get_alert(alert_id: _ID) -> AlertDetailOut:
    record, counts = _sending().view(alert_id)
    return AlertDetailOut(
        alert=_out(record),
        counts={zone: ZoneCounts(**row) for zone, row in counts.items()},
        settled=settled(record, counts),
    )
