"""The live feed (rtcc.feed.LiveFeed) with a repository stand-in: no emulator.

What a poll must get right: only today's and (after midnight) yesterday's partitions are
read; an item stamped before a poll but written after it still reaches the next poll; a
cursor too old (or not ours) resets; a redone publish leaves one item; `limit` pages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.capability import Capability, FeedSpec, topology_of
from rtcc.errors import Invalid
from rtcc.feed import SETTLE, FeedItem, LiveFeed, cursor_at, feed_item


class MemoryFeeds:
    """`FeedRepository` in memory, recording which partitions were read."""

    def __init__(self) -> None:
        self.partitions: dict[str, dict[str, FeedItem]] = {}
        self.read: list[str] = []

    def add(self, item: FeedItem) -> None:
        self.partitions.setdefault(f"{item.channel}#{item.cursor[:10]}", {})[item.cursor] = item

    def after(self, partition: str, cursor: str, limit: int) -> list[FeedItem]:
        self.read.append(partition)
        items = self.partitions.get(partition, {})
        return [items[c] for c in sorted(items) if c > cursor][:limit]


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def feed_at(moment: datetime) -> tuple[LiveFeed, MemoryFeeds, Clock]:
    repo, clock = MemoryFeeds(), Clock(moment)
    return LiveFeed(repo, clock), repo, clock


def test_published_items_come_back_oldest_first_for_their_channel_only() -> None:
    feed, _, clock = feed_at(NOON)
    start = feed.start()
    first = feed.publish("tips", "tip", "T-AAAA", {"channel": "sms"})
    clock.moment += timedelta(seconds=1)
    second = feed.publish("tips", "message", "T-BBBB")
    feed.publish("plates", "hit", "ABC123")
    page = feed.since("tips", start)
    assert [i.ref for i in page.items] == ["T-AAAA", "T-BBBB"]
    assert page.items[0] == first and page.items[1] == second
    assert page.items[0].summary == {"channel": "sms"} and page.items[0].at == "2026-11-27T12:00:00.000Z"
    assert not page.reset and not page.more


def test_an_item_written_late_still_reaches_the_next_poll() -> None:
    """A webhook stamps its item when the message arrives and writes it seconds later; a
    poll in between must not move its cursor past the stamp."""
    feed, repo, clock = feed_at(NOON)
    cursor = feed.start()
    stamped = clock.moment
    clock.moment += timedelta(seconds=2)
    feed.publish("tips", "tip", "T-EARLY")  # a later item, written first
    first = feed.since("tips", cursor)
    assert [i.ref for i in first.items] == ["T-EARLY"]
    repo.add(feed_item("tips", "tip", "T-LATE", at=stamped + timedelta(milliseconds=500)))
    clock.moment += timedelta(seconds=3)
    second = feed.since("tips", first.cursor)
    assert "T-LATE" in [i.ref for i in second.items]
    # Once the settle window has passed, the cursor moves past both and they stop coming.
    clock.moment += SETTLE
    third = feed.since("tips", second.cursor)
    assert third.cursor == cursor_at(clock.moment - SETTLE)
    assert feed.since("tips", third.cursor).items == ()


def test_a_poll_reads_today_and_only_after_midnight_yesterday() -> None:
    feed, repo, clock = feed_at(datetime(2026, 11, 27, 23, 59, 50, tzinfo=UTC))
    cursor = feed.start()
    feed.publish("tips", "tip", "T-LATE")
    clock.moment = datetime(2026, 11, 28, 0, 0, 5, tzinfo=UTC)
    feed.publish("tips", "tip", "T-EARLY")
    page = feed.since("tips", cursor)
    assert [i.ref for i in page.items] == ["T-LATE", "T-EARLY"]
    assert repo.read == ["tips#2026-11-27", "tips#2026-11-28"]
    clock.moment += SETTLE
    today = feed.since("tips", page.cursor).cursor  # the cursor crosses midnight
    assert today.startswith("2026-11-28")
    repo.read.clear()
    feed.since("tips", today)
    assert repo.read == ["tips#2026-11-28"], "a cursor from today reads today only"


def test_a_cursor_older_than_yesterday_resets_instead_of_replaying() -> None:
    feed, repo, _ = feed_at(NOON)
    page = feed.since("tips", cursor_at(NOON - timedelta(days=2)))
    assert page.reset and page.items == () and repo.read == []
    assert page.cursor == cursor_at(NOON - SETTLE)
    assert feed.since("tips", cursor_at(NOON + timedelta(hours=1))).reset  # not one we handed out
    # A cursor of the tips feed before it moved to the platform: reload, not an error.
    assert feed.since("tips", "2026-11-27T11:00:00.000Z#T-4F7K#a1b2c3").reset


@pytest.mark.parametrize("bad", ["garbage-cursor", "2026-13-45T99:00:00.000Z#", "2026-11-27#"])
def test_what_is_not_a_cursor_is_refused_with_the_field(bad: str) -> None:
    feed, _, _ = feed_at(NOON)
    with pytest.raises(Invalid, match="^after: not a feed cursor$"):
        feed.since("tips", bad)


def test_no_cursor_starts_now_and_a_redone_publish_leaves_one_item() -> None:
    feed, repo, _ = feed_at(NOON)
    page = feed.since("tips", None)
    assert page.items == () and page.cursor == feed.start() and repo.read == []
    twice = [feed.publish("tips", "tip", "T-AAAA", at=NOON, source="SM123") for _ in range(2)]
    assert twice[0].cursor == twice[1].cursor
    assert len(feed.since("tips", page.cursor).items) == 1
    # The same source on another channel is another item.
    assert feed_item("plates", "hit", "X", at=NOON, source="SM123").cursor != twice[0].cursor


def test_a_full_page_says_more_and_continues_from_its_last_item() -> None:
    feed, _, clock = feed_at(NOON)
    cursor = feed.start()
    for n in range(5):
        clock.moment += timedelta(milliseconds=1)
        feed.publish("tips", "tip", f"T-{n}AAA")
    clock.moment += SETTLE  # all of them settled
    first = feed.since("tips", cursor, limit=3)
    assert first.more and first.cursor == first.items[-1].cursor
    second = feed.since("tips", first.cursor, limit=3)
    assert [i.ref for i in first.items + second.items] == [f"T-{n}AAA" for n in range(5)]
    assert not second.more


def test_a_full_page_never_moves_past_the_settle_window() -> None:
    """A console back from a hidden tab reads a full page of recent items: an item stamped
    among them and written a moment later must still come (review: it was skipped)."""
    feed, repo, clock = feed_at(NOON)
    cursor = cursor_at(NOON - timedelta(minutes=10))
    for n in range(3):
        repo.add(feed_item("tips", "tip", f"T-A{n}AA", at=NOON - timedelta(seconds=5 - n)))
    first = feed.since("tips", cursor, limit=3)
    assert len(first.items) == 3 and first.cursor <= cursor_at(NOON - SETTLE)
    repo.add(feed_item("tips", "tip", "T-LATE", at=NOON - timedelta(seconds=8)))
    second = feed.since("tips", first.cursor, limit=3)
    assert "T-LATE" in [i.ref for i in second.items]


def test_items_are_small_and_flat() -> None:
    with pytest.raises(ValueError, match="flat"):
        feed_item("tips", "tip", "T-AAAA", {"nested": {"a": 1}})
    with pytest.raises(ValueError, match="bytes"):
        feed_item("tips", "tip", "T-AAAA", {"text": "x" * 600})
    with pytest.raises(ValueError, match="channel"):
        feed_item("Tips#2026", "tip", "T-AAAA")


def test_channels_are_declared_once_with_a_known_role() -> None:
    with pytest.raises(ValueError, match="role"):
        FeedSpec("plates", role="everyone")
    with pytest.raises(ValueError, match="channel"):
        FeedSpec("tips#x")
    twice = (Capability("a", "a", feeds=(FeedSpec("x"),)), Capability("b", "b", feeds=(FeedSpec("x"),)))
    with pytest.raises(ValueError, match="feed channels repeat"):
        topology_of(twice)
