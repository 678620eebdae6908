"""DynamoDB adapter of the ingest's read store (table lpr-reads, rtcc.store.lpr_reads).

Key operations only: which reads are already stored is one BatchGetItem of their own items
(100 keys a call), and storing is BatchWriteItem of whole items (25 a call; pynamodb
retries unprocessed items). No query, no scan, no conditional put per read: a read is
written once under its own key and once per search key, all carrying the same JSON
(rtcc.lpr.read_codec) and the same TTL (its retention).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from rtcc.lpr.model import Read
from rtcc.lpr.read_codec import read_to_json
from rtcc.lpr.search import index_keys
from rtcc.store.lpr_reads import READ_ITEM, LprReadRecord, index_partition, read_key


def sort_time(moment: datetime) -> str:
    """A time as the index items' sort keys start: UTC, always with microseconds, so keys
    compare as strings in time order (a search's range: `sort_time(start)` to `sort_time(end)`)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def index_sort_key(read: Read) -> str:
    return f"{sort_time(read.seen_at)}#{read.source_id}#{read.read_id}"


class DynamoDbReads:
    def stored(self, reads: Sequence[Read]) -> set[tuple[str, str]]:
        """(source_id, read_id) of the reads among `reads` whose own item exists."""
        keys = list(dict.fromkeys((read_key(r.source_id, r.read_id), READ_ITEM) for r in reads))
        found = LprReadRecord.batch_get(keys, attributes_to_get=["pk", "sk"]) if keys else []
        by_key = {read_key(r.source_id, r.read_id): (r.source_id, r.read_id) for r in reads}
        return {by_key[record.pk] for record in found}

    def put_index(self, reads: Iterable[tuple[Read, int]]) -> None:
        """Each read's search index items (rtcc.lpr.search.index_keys)."""
        self._write(
            LprReadRecord(
                index_partition(index, key), index_sort_key(read), read=read_to_json(read), expires=_at(ttl)
            )
            for read, ttl in reads
            for index, key in index_keys(read)
        )

    def put_reads(self, reads: Iterable[tuple[Read, int]]) -> None:
        """Each read's own item: written last, it says the read was stored whole and matched."""
        self._write(
            LprReadRecord(
                read_key(read.source_id, read.read_id), READ_ITEM, read=read_to_json(read), expires=_at(ttl)
            )
            for read, ttl in reads
        )

    @staticmethod
    def _write(records: Iterable[LprReadRecord]) -> None:
        with LprReadRecord.batch_write() as batch:
            for record in records:
                batch.save(record)


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
