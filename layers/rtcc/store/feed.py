"""The platform's live feed table: what officers' consoles poll for "new since <cursor>".

One partition per channel and UTC day (`tips#2026-11-27`), sorted by a cursor that is the
publish time plus a unique suffix, so reading what is new is a key Query on at most two
partitions (today's and, just after midnight, yesterday's): no GSI, no scan, cheap in AWS
and in the local emulator alike. Items expire by TTL after a few days.

Items hold a reference (`ref`, e.g. a tip code) and a small summary with nothing sensitive
in it: what a reader needs to decide to fetch the item through its capability's own
(audited, role-checked) routes.
"""

from __future__ import annotations

import json

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.feed import FEED_RETENTION, FeedItem, parse_cursor, partition_of
from rtcc.store.base import is_expired, register


@register
class FeedRecord(Model):
    class Meta:
        logical_name = "feed"
        table_name = "feed"

    partition = UnicodeAttribute(hash_key=True)  # f"{channel}#{UTC day}": "tips#2026-11-27"
    cursor = UnicodeAttribute(range_key=True)  # f"{at}#{unique}": "2026-11-27T10:00:00.000Z#3fa2c1d0e4b5"
    kind = UnicodeAttribute()  # what happened, in the channel's words: "tip", "message", "hit"
    ref = UnicodeAttribute()  # the item's key in its capability: "T-4F7K"
    summary = UnicodeAttribute(default="{}")  # JSON, small, non-sensitive
    expires = TTLAttribute(null=True)

    @classmethod
    def of(cls, item: FeedItem) -> FeedRecord:
        """The record of `item`: save it in the transaction (or batch) that makes the change
        it reports, so the feed never announces a change that did not happen, or misses one."""
        return cls(
            partition_of(item.channel, item.cursor),
            item.cursor,
            kind=item.kind,
            ref=item.ref,
            summary=json.dumps(item.summary, separators=(",", ":"), sort_keys=True),
            expires=parse_cursor(item.cursor) + FEED_RETENTION,
        )

    def value(self) -> FeedItem:
        channel = self.partition.rsplit("#", 1)[0]
        return FeedItem(channel, self.cursor, self.kind, self.ref, json.loads(self.summary or "{}"))


class DynamoFeedRepository:
    """`rtcc.feed.FeedRepository` on the feed table (PutItem, Query)."""

    def add(self, item: FeedItem) -> None:
        FeedRecord.of(item).save()

    def after(self, partition: str, cursor: str, limit: int) -> list[FeedItem]:
        items: list[FeedItem] = []
        # Query pages until `limit` live items: an expired item DynamoDB has not removed yet
        # is read and skipped (rtcc.store.base: past its TTL it is gone).
        # Pages of about `limit` items: without page_size DynamoDB reads a whole 1 MB page
        # (~256 read units) however few items the caller wants.
        pages = FeedRecord.query(
            partition, FeedRecord.cursor > cursor, consistent_read=True, page_size=min(limit, 100)
        )
        for record in pages:
            if is_expired(record):
                continue
            items.append(record.value())
            if len(items) == limit:
                break
        return items


__all__ = ["DynamoFeedRepository", "FeedRecord"]
