"""Matching reads against the hotlists in DynamoDB, by key: no scan, no loop over entries.

`KeyedHotlists.match_many(reads, now)`: one Query of the list heads' partition (a city has a
handful of lists; the heads name each list's version and the probe shapes its partial
plates use), then batched GetItems (BatchGetItem, 100 keys a call) of every key each
candidate probes in each list (rtcc.lpr.probe_keys: its full-plate key plus one per shape
slot), then the in-memory `HotlistIndex` over just the entries found, which decides exact /
OCR-equivalent / wildcard, expiry and priority as it does in process. Keys are read
strongly consistent and filtered by the head's version (rtcc.lpr.keyed_index), so a read
matched during an import sees the version the head named: the old list or the new one.

The heads are read per call, not cached: a list switched over a second ago matches now.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rtcc.lpr.keyed_index import item_key, live_entries
from rtcc.lpr.matching import HotlistIndex
from rtcc.lpr.model import Hit, HotlistEntry, Read
from rtcc.lpr.plates import canonical_many, collapse_many
from rtcc.lpr.probe_keys import probe_keys
from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistKeyRecord, LprHotlistRecord


@dataclass(frozen=True)
class ListHead:
    list_id: str
    name: str
    priority: int
    notify: str
    version: int
    shapes: tuple[str, ...]


def head_of(record: LprHotlistRecord) -> ListHead:
    return ListHead(
        list_id=record.list_id,
        name=record.name,
        priority=int(record.priority),
        notify=record.notify,
        version=int(record.version),
        shapes=tuple(json.loads(record.shapes or "[]")),
    )


def read_heads() -> dict[str, ListHead]:
    """Every list's head, strongly consistent (one Query of one small partition)."""
    records = LprHotlistRecord.query(LISTS_PARTITION, consistent_read=True)
    return {record.list_id: head_of(record) for record in records}


class KeyedHotlists:
    """The DynamoDB-backed matcher the ingest calls. `keys_read` counts the key items
    asked for (a test's and the benchmark's proof that a match reads keys, not lists)."""

    def __init__(self) -> None:
        self.keys_read = 0
        self.heads: dict[str, ListHead] = {}  # as of the last match (hit summaries name the list)

    def match_many(self, reads: Sequence[Read], now: datetime) -> list[list[Hit]]:
        """Per read, its hits (rtcc.lpr.matching.HotlistIndex.match_many's order and rules)."""
        if not reads:
            return []
        self.heads = heads = {k: h for k, h in read_heads().items() if h.version > 0}
        texts = list(dict.fromkeys(p for read in reads for p in read.plates()))
        ocr = [key for key in collapse_many(canonical_many(texts)) if key]
        wanted = {
            item_key(head.list_id, probe): head
            for head in heads.values()
            for candidate in dict.fromkeys(ocr)
            for probe in probe_keys(candidate, head.shapes)
        }
        entries = self._entries(wanted)
        if not entries:
            return [[] for _ in reads]
        return HotlistIndex(entries).match_many(reads, now)

    def _entries(self, wanted: dict[str, ListHead]) -> list[HotlistEntry]:
        self.keys_read += len(wanted)
        found: dict[tuple[str, str], HotlistEntry] = {}
        for record in LprHotlistKeyRecord.batch_get(list(wanted), consistent_read=True):
            for entry in live_entries(record.entries, wanted[record.key].version):
                found[(entry.list_id, entry.entry_id)] = entry
        return list(found.values())
