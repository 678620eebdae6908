"""Small shared pieces of the tips record layer: time, ids, feed entries, errors."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from rtcc.store.tips import TipFeedRecord, TipRecord

#: Feed entries outlive any sensible polling gap; a console away longer reloads its list.
FEED_RETENTION = timedelta(days=3)
RECEIPT_RETENTION = timedelta(days=30)


_CONNECTIONS: dict[tuple[str, str | None], Connection] = {}


def transaction() -> TransactWrite:
    """A DynamoDB transaction on the endpoint the tip tables are bound to."""
    region, host = TipRecord.Meta.region, TipRecord.Meta.host
    connection = _CONNECTIONS.get((region, host))
    if connection is None:
        connection = _CONNECTIONS[(region, host)] = Connection(region=region, host=host)
    return TransactWrite(connection=connection)


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_id() -> str:
    return secrets.token_hex(8)


def activity_key(at: str, code: str) -> str:
    return f"{at}#{code}"


def message_key(at: str, message_id: str) -> str:
    return f"{at}#{message_id}"


def feed_entry(code: str, kind: str, moment: datetime) -> TipFeedRecord:
    at = iso(moment)
    return TipFeedRecord(
        at[:10], f"{at}#{code}#{secrets.token_hex(3)}", code=code, kind=kind, expires=moment + FEED_RETENTION
    )


class TipError(Exception):
    """A request about a tip that cannot be done; `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TipNotFound(TipError):
    status = 404


class TipConflict(TipError):
    status = 409


class TipInputError(TipError):
    status = 422


class TipUnlockFailed(TipError):
    status = 403


class TipLocked(TipError):
    status = 429
