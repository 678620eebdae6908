"""DynamoDB adapter of `rtcc.alerts.sending.AlertStore` (table `alerts`, rtcc.store.alert_sends).

Reads are GetItem (one alert) and a Query of the one partition (the list); a state change is
a conditional PutItem on the state it expects, so an approve racing a cancel loses cleanly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.sending import SendState, SentAlert
from rtcc.store.alert_sends import KEYS_PARTITION, PARTITION, AlertSendRecord

R = AlertSendRecord


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _alert_json(alert: Alert) -> str:
    return json.dumps(
        {
            "tier": str(alert.tier),
            "headline": alert.headline,
            "texts": alert.texts,
            "zones": list(alert.zones),
            "categories": list(alert.categories),
            "sent_at": _iso(alert.sent_at),
            "expires_at": _iso(alert.expires_at),
            "sender": alert.sender,
        },
        ensure_ascii=False,
    )


def _record(sent: SentAlert) -> AlertSendRecord:
    return R(
        PARTITION,
        sent.alert.alert_id,
        alert=_alert_json(sent.alert),
        state=str(sent.state),
        created_at=sent.created_at.isoformat(),
        planned=json.dumps(sent.planned),
        approved_by=sent.approved_by,
        cancelled_by=sent.cancelled_by,
        cancelled_at=_iso(sent.cancelled_at),
        unqueued=json.dumps(sent.unqueued) if sent.unqueued else None,
    )


def _sent(record: AlertSendRecord) -> SentAlert:
    data = json.loads(record.alert)
    alert = Alert(
        alert_id=record.alert_id,
        tier=Tier(data["tier"]),
        headline=data["headline"],
        texts=data["texts"],
        zones=tuple(data["zones"]),
        categories=tuple(data["categories"]),
        sent_at=_time(data["sent_at"]),
        expires_at=_time(data["expires_at"]),
        sender=data["sender"],
    )
    return SentAlert(
        alert=alert,
        state=SendState(record.state),
        created_at=datetime.fromisoformat(record.created_at),
        planned={k: int(v) for k, v in json.loads(record.planned or "{}").items()},
        approved_by=record.approved_by,
        cancelled_by=record.cancelled_by,
        cancelled_at=_time(record.cancelled_at),
        unqueued={k: int(v) for k, v in json.loads(record.unqueued or "{}").items()},
    )


def _saved(item: AlertSendRecord, condition) -> bool:
    """Save on a condition; False when the condition failed."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


class DynamoDbAlertStore:
    def create(self, record: SentAlert) -> bool:
        return _saved(_record(record), R.alert_id.does_not_exist())

    def reserve(self, key: str, alert_id: str, fingerprint: str) -> tuple[str, str]:
        """A conditional PutItem of the key's item (the API's existing grant on the table);
        the loser of a race reads the winner's with GetItem."""
        item = R(
            KEYS_PARTITION,
            key,
            alert=json.dumps({"alert_id": alert_id, "fingerprint": fingerprint}),
            state="reserved",
            created_at=datetime.now(UTC).isoformat(),
        )
        if not _saved(item, R.alert_id.does_not_exist()):
            item = R.get(KEYS_PARTITION, key, consistent_read=True)
        data = json.loads(item.alert)
        return data["alert_id"], data["fingerprint"]

    def get(self, alert_id: str) -> SentAlert | None:
        try:
            return _sent(R.get(PARTITION, alert_id, consistent_read=True))
        except R.DoesNotExist:
            return None

    def replace(self, record: SentAlert, expected: SendState) -> bool:
        return _saved(_record(record), R.state == str(expected))

    def recent(self, limit: int) -> list[SentAlert]:
        return [_sent(r) for r in R.query(PARTITION, scan_index_forward=False, limit=limit)]
