"""Small shared pieces of the tips record layer: time, ids, feed entries, writes, errors."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from rtcc.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Throttled
from rtcc.feed import feed_item
from rtcc.store.base import absent_condition, is_expired, present_condition
from rtcc.store.feed import FeedRecord
from rtcc.store.tips import TipRecord, TipsterRecord

#: The live feed channel the inbox follows (declared in rtcc.tips.capability).
TIPS_CHANNEL = "tips"
#: How long an unfinished claim of a MessageSid, and a supervisor-alert marker, are kept.
#: A stored message's receipt is kept as long as its tip (see TipReceiptRecord).
RECEIPT_RETENTION = timedelta(days=30)


_CONNECTIONS: dict[tuple[str, str | None], Connection] = {}


def _connection() -> Connection:
    region, host = TipRecord.Meta.region, TipRecord.Meta.host
    connection = _CONNECTIONS.get((region, host))
    if connection is None:
        connection = _CONNECTIONS[(region, host)] = Connection(region=region, host=host)
    return connection


def transaction() -> TransactWrite:
    """A DynamoDB transaction on the endpoint the tip tables are bound to."""
    return TransactWrite(connection=_connection())


_BATCH_LIMIT = 25
_UNPROCESSED_ATTEMPTS = 8


def put_all(records: Sequence[Model]) -> None:
    """Unconditional puts of `records` (any tables) in as few BatchWriteItem calls as
    DynamoDB allows. Only for items whose keys and values are fixed by the caller, so
    that writing them twice changes nothing; items DynamoDB leaves unprocessed
    (throttling) are sent again, and if they never go an error is raised."""
    connection = _connection()
    for start in range(0, len(records), _BATCH_LIMIT):
        pending: dict[str, list[dict]] = {}
        for record in records[start : start + _BATCH_LIMIT]:
            pending.setdefault(record.Meta.table_name, []).append(
                {"PutRequest": {"Item": record.serialize()}}
            )
        for attempt in range(_UNPROCESSED_ATTEMPTS):
            out = connection.dispatch("BatchWriteItem", {"RequestItems": pending})
            pending = out.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise PutError(f"BatchWriteItem left items unprocessed in {sorted(pending)}")


def condition_failed(exc: PynamoDBException) -> bool:
    """Whether a write was refused by its condition (not throttled, not an outage)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


def get_or_none(
    model: type[Model], hash_key: Any, range_key: Any = None, consistent_read: bool = False
) -> Any:
    """The item, or None when there is none or its TTL has passed (see rtcc.store.base)."""
    try:
        record = model.get(hash_key, range_key, consistent_read=consistent_read)
    except DoesNotExist:
        return None
    return None if is_expired(record) else record


def create_if_absent(record: Model) -> bool:
    """Put `record` unless a live item with its key exists (an expired one is replaced);
    True if this call created it."""
    try:
        record.save(condition=absent_condition(type(record)))
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def update_if_exists(record: Model, actions: list[Any]) -> bool:
    """UpdateItem that never recreates an item deleted since it was read (a plain one
    would leave a stub holding only the updated attributes); False when it is gone or
    expired."""
    try:
        record.update(actions=actions, condition=present_condition(type(record)))
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


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


def feed_entry(code: str, kind: str, moment: datetime, source: str | None = None) -> FeedRecord:
    """The live feed item (channel "tips", ref the tip code) saying tip `code` has news of
    `kind` ("tip", "message", "media", "reply", "update"), as a record to write in the same
    transaction or batch as the news itself. Given `source` (e.g. a MessageSid) its key is
    fixed by it, so writing it again (a redone webhook) does not add a second one. No
    summary: what a tip says is read through the inbox's audited routes."""
    return FeedRecord.of(feed_item(TIPS_CHANNEL, kind, code, at=moment, source=source))


class TipError(DomainError):
    """A request about a tip that cannot be done. The subclasses take their status from
    the platform's errors (rtcc.errors), which the API answers with in one place."""


class TipNotFound(TipError, NotFound):
    pass


class TipConflict(TipError, Conflict):
    pass


class TipInputError(TipError, Invalid):
    pass


class TipUnlockFailed(TipError, Forbidden):
    pass


class TipLocked(TipError, Throttled):
    pass


def lift_block_if_none_left(tipster: TipsterRecord) -> None:
    """The sender is heard again once no tip's block is left (an unblock, or the purge of
    the tip a block was made from; DynamoDB drops an emptied set). Conditional, so a block
    from another tip landing meanwhile stands."""
    try:
        tipster.update(
            actions=[
                TipsterRecord.blocked.set(False),
                TipsterRecord.blocked_at.remove(),
                TipsterRecord.blocked_by.remove(),
            ],
            condition=TipsterRecord.blocked_from.does_not_exist()
            & TipsterRecord.blocked_via.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
