"""The live feed: what officers see appear without a reload (new tips, plate hits, ...).

A capability publishes an item to one of its channels (declared in its `Capability.feeds`)
when something officers watch happens; consoles poll `GET /api/feed/{channel}?after=<cursor>`
(`web/public/assets/feed.js`) and fetch what the items refer to through the capability's
own routes. An item is a reference plus a small non-sensitive summary, never the record.

Cursors are `<UTC time, ms>#<unique>`: they sort by publish time, so "new since" is a key
range. Two rules keep a poll from skipping an item:
- A writer stamps an item before its write lands (a webhook may take seconds between the
  two). So the cursor handed back never passes `now - SETTLE`: items newer than that are
  returned again on the next polls, and readers drop the ones they have (by cursor).
- Partitions are per channel and UTC day; a poll reads only today's and, when its cursor is
  from yesterday (just after midnight, or a console that slept), yesterday's. A cursor older
  than that, or from the future, gets `reset`: the reader reloads instead of replaying.

Nothing here imports AWS code: the table is behind `FeedRepository`
(`rtcc.store.feed.DynamoFeedRepository` by default), so tests can stand in for it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from rtcc.capability import FEED_CHANNEL_PATTERN
from rtcc.errors import Invalid

#: Items outlive any sensible polling gap (yesterday's partition is the oldest read).
FEED_RETENTION = timedelta(days=3)
#: How long a write may land after the time it was stamped with (webhook timeouts are 10 s).
SETTLE = timedelta(seconds=15)
#: A cursor this far ahead of the server's clock is not one we handed out.
FUTURE_TOLERANCE = timedelta(minutes=5)
#: The most items one read returns; `more` says there are others.
MAX_LIMIT = 500
#: Summaries are for deciding what to fetch, not for carrying the record.
SUMMARY_MAX_BYTES = 512

_CHANNEL = re.compile(FEED_CHANNEL_PATTERN)
_STAMP = r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#"
_CURSOR = re.compile(_STAMP + r"[0-9a-f]*$")
#: A time, then something else: a cursor of an older format (a console open across a deploy).
_STALE_CURSOR = re.compile(_STAMP)
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class FeedCursorInvalid(Invalid):
    def __init__(self) -> None:
        super().__init__("not a feed cursor", field="after")


@dataclass(frozen=True)
class FeedItem:
    channel: str
    cursor: str  # where a reader that has seen this item continues from
    kind: str
    ref: str
    summary: Mapping[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> str:
        """When it was published (UTC ISO 8601)."""
        return self.cursor.split("#", 1)[0]


@dataclass(frozen=True)
class FeedPage:
    items: tuple[FeedItem, ...]  # oldest first
    cursor: str  # pass as `after` next time
    reset: bool = False  # the cursor was too old (or not ours): reload, then follow `cursor`
    more: bool = False  # `limit` items were returned and others wait: read again now


class FeedRepository(Protocol):
    def add(self, item: FeedItem) -> None:
        """Store `item` (a put: storing the same item twice leaves one)."""

    def after(self, partition: str, cursor: str, limit: int) -> list[FeedItem]:
        """Up to `limit` live items of `partition` with a cursor after `cursor`, oldest first."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cursor_at(moment: datetime) -> str:
    """A cursor before every item published at or after `moment`."""
    return _iso(moment) + "#"


def parse_cursor(cursor: str) -> datetime:
    """The time a cursor stands at; `FeedCursorInvalid` for anything not made here."""
    match = _CURSOR.match(cursor)
    if not match:
        raise FeedCursorInvalid()
    return _time_of(match.group(1))


def _time_of(stamp: str) -> datetime:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise FeedCursorInvalid() from None


def partition_of(channel: str, cursor: str) -> str:
    return f"{channel}#{cursor[:10]}"


def _check_channel(channel: str) -> None:
    if not _CHANNEL.match(channel):
        raise ValueError(f"feed channel {channel!r}: lowercase letters, digits and '-'")


def feed_item(
    channel: str,
    kind: str,
    ref: str,
    summary: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    source: str | None = None,
) -> FeedItem:
    """An item to publish. Given `source` (e.g. a MessageSid) the item's cursor is fixed by
    it and `at`, so publishing it again (a redone webhook) leaves one item, not two."""
    _check_channel(channel)
    if not _KIND.match(kind):
        raise ValueError(f"feed kind {kind!r}: lowercase letters, digits, '-' and '_'")
    if not ref or len(ref) > 200:
        raise ValueError("feed ref: 1 to 200 characters")
    summary = dict(summary or {})
    if any(not isinstance(v, str | int | float | bool | None) for v in summary.values()):
        raise ValueError("feed summary: flat values only (str, number, bool, null)")
    if len(json.dumps(summary)) > SUMMARY_MAX_BYTES:
        raise ValueError(f"feed summary: larger than {SUMMARY_MAX_BYTES} bytes")
    moment = at or datetime.now(UTC)
    if source:
        unique = hashlib.sha256(f"{channel}#{source}".encode()).hexdigest()[:12]
    else:
        unique = secrets.token_hex(6)
    return FeedItem(channel, f"{_iso(moment)}#{unique}", kind, ref, summary)


class LiveFeed:
    def __init__(
        self,
        repository: FeedRepository | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if repository is None:
            from rtcc.store.feed import DynamoFeedRepository  # the table, only when used

            repository = DynamoFeedRepository()
        self.repository = repository
        self.clock = clock

    def publish(
        self,
        channel: str,
        kind: str,
        ref: str,
        summary: Mapping[str, Any] | None = None,
        at: datetime | None = None,
        source: str | None = None,
    ) -> FeedItem:
        """Publish on its own. A change written in a transaction publishes in the same one
        instead: `rtcc.store.feed.FeedRecord.of(feed_item(...))`."""
        item = feed_item(channel, kind, ref, summary, at or self.clock(), source)
        self.repository.add(item)
        return item

    def start(self) -> str:
        """The cursor to follow a channel from, given with data read now: it reaches back
        `SETTLE`, so a change stamped before the read but written after it is not missed."""
        return cursor_at(self.clock() - SETTLE)

    def since(self, channel: str, cursor: str | None, limit: int = 100) -> FeedPage:
        """Items of `channel` published after `cursor` (oldest first), at most `limit`.
        No cursor: nothing yet, and the cursor to start from."""
        _check_channel(channel)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit: 1 to {MAX_LIMIT}")
        if cursor is None:
            return FeedPage((), self.start())
        if not _CURSOR.match(cursor) and (stale := _STALE_CURSOR.match(cursor)):
            _time_of(stale.group(1))  # a time at least, or not a cursor at all
            return FeedPage((), self.start(), reset=True)
        after = parse_cursor(cursor)
        moment = self.clock()
        today = moment.date()
        if after.date() < today - timedelta(days=1) or after - moment > FUTURE_TOLERANCE:
            return FeedPage((), self.start(), reset=True)
        settled = cursor_at(moment - SETTLE)
        items: list[FeedItem] = []
        for day in self._days(after.date(), today):
            items += self.repository.after(f"{channel}#{day.isoformat()}", cursor, limit - len(items))
            if len(items) == limit:
                # A full page: read on at once, but never past the settle window, or an item
                # stamped earlier and written late (a webhook's) would be skipped for good.
                final = [item for item in items if item.cursor <= settled]
                if final:
                    return FeedPage(tuple(items), final[-1].cursor, more=True)
                return FeedPage(tuple(items), max(cursor, settled))
        # Everything up to now was read, but only what is older than SETTLE is final.
        return FeedPage(tuple(items), max(cursor, settled))

    @staticmethod
    def _days(first: date, today: date) -> list[date]:
        return [first, today] if first < today else [today]
