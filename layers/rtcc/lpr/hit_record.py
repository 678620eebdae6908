"""Recording hotlist hits: fold repeats, store each new hit, tell officers, queue its text.

The ingest (rtcc.lpr.ingest) hands every hit the matcher found to `HitRecorder.record`. A hit
for the same plate, reader and entry within the fold window of a raised hit folds into it
(rtcc.lpr.folding's rule: the window is fixed from the raised hit), decided by one
conditional write of the fold item, so two ingest calls racing on the same car still make
one hit. A new hit is stored (LprHitRecord), published on the live feed channel `lpr-hits`,
counted for /transparency, and, for a list marked `feed+sms`, queued on `lpr-hit-texts`
(ids only: lpr-notify reads the hit and texts the watch desk).

The stores are ports (rtcc.lpr.hits_dynamodb has the DynamoDB and SQS adapters), so the
folding and the shape of what officers see are tested without the emulator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from rtcc.feed import SUMMARY_MAX_BYTES
from rtcc.lpr import plates
from rtcc.lpr.model import Hit

FEED_CHANNEL = "lpr-hits"
#: A feed summary is at most 512 bytes (rtcc.feed): free text is cut to this.
_NAME_MAX = 40


def iso(at: datetime) -> str:
    """Fixed-width UTC ISO 8601 (microseconds, "Z"): strings compare as times do, which the
    fold item's conditional write relies on."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_hit_id(hit: Hit) -> str:
    """ "H20261202T031500123Z-<8 hex>": sorts by the raising read's time within its day; the
    suffix is fixed by the read and the entry, so a redelivered read names the same hit."""
    stamp = hit.read.seen_at.astimezone(UTC)
    who = f"{hit.read.source_id}/{hit.read.read_id}/{hit.entry.list_id}/{hit.entry.entry_id}"
    suffix = hashlib.sha256(who.encode()).hexdigest()[:8]
    return f"H{stamp:%Y%m%dT%H%M%S}{stamp.microsecond // 1000:03d}Z-{suffix}"


def hit_day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def fold_key(hit: Hit) -> str:
    """ "<list>#<entry>#<source>/<reader>#<plate key>": the same car at the same reader for the
    same entry. A camera id is the vendor's (OpenALPR numbers them 1, 2 ...), so the source is
    part of the reader: two sources' "1" are two places, and a car seen at both alerts twice."""
    try:
        plate = plates.canonical(hit.candidate)
    except plates.PlateError:
        plate = hit.candidate  # the matcher matched it, so it canonicalised there; never reached
    reader = f"{hit.read.source_id}/{hit.read.camera_id or ''}"
    return f"{hit.entry.list_id}#{hit.entry.entry_id}#{reader}#{plate}"


@dataclass(frozen=True)
class ListInfo:
    name: str
    notify: str = "feed"  # "feed" | "feed+sms"


@dataclass(frozen=True)
class FoldedInto:
    day: str
    hit_id: str


class HitGone(LookupError):
    """The hit a fold item names was never stored: its raiser failed after the claim and its
    read was not sent again."""


class FoldStore(Protocol):
    def claim(self, key: str, day: str, hit_id: str, at: datetime, window: timedelta) -> FoldedInto | None:
        """Raise a hit under `key` at `at` (None) unless one was raised within `window` either
        side of `at`: then the hit it folds into (and the fold's last_seen moves on)."""
        ...

    def take(self, key: str, day: str, hit_id: str, at: datetime, window: timedelta) -> None:
        """Raise a hit under `key` at `at` whatever the fold item says (its hit is gone)."""
        ...


class HitStore(Protocol):
    def add(self, day: str, hit_id: str, hit: dict[str, Any], read_seen_at: datetime) -> None:
        """Store a new hit; nothing when a hit with that id is stored already."""
        ...

    def fold(self, into: FoldedInto, at: datetime) -> int:
        """Count one more read into the hit; answers its reads. HitGone when it never appears."""
        ...


class Directory(Protocol):
    def lists(self, list_ids: set[str]) -> Mapping[str, ListInfo]: ...

    def readers(self, keys: set[tuple[str, str]]) -> Mapping[tuple[str, str], str]:
        """Reader names by (source_id, camera_id)."""
        ...


class Publisher(Protocol):
    def publish(self, summary: dict[str, Any], at: datetime) -> None: ...


class TextQueue(Protocol):
    def queue(self, day: str, hit_id: str) -> None: ...


class HitCounts(Protocol):
    def hits(self, at: datetime, n: int = 1) -> None: ...


def hit_document(hit: Hit, day: str, hit_id: str, info: ListInfo, reader_name: str | None) -> dict[str, Any]:
    """What officers see of a hit (the contract's hit fields; verification and reads are the
    record's own attributes)."""
    read, entry = hit.read, hit.entry
    return {
        "hit_id": hit_id,
        "day": day,
        "list_id": entry.list_id,
        "list_name": info.name,
        "priority": entry.priority,
        "plate": read.plate,
        "state": read.state,
        "candidate": hit.candidate,
        "kind": str(hit.kind),
        "state_agrees": hit.state_agrees,
        "source_id": read.source_id,
        "read_id": read.read_id,
        "camera_id": read.camera_id,
        "reader_name": reader_name,
        "seen_at": read.seen_at.astimezone(UTC).isoformat(),
        "lat": read.lat,
        "lon": read.lon,
        "entry": {
            "entry_id": entry.entry_id,
            "plate": entry.plate,
            "state": entry.state,
            "reason": entry.reason,
            "case_number": entry.case_number,
        },
    }


_FEED_FIELDS = (
    "hit_id", "day", "list_id", "list_name", "priority", "kind", "state_agrees", "camera_id", "reader_name",
    "seen_at",
)  # fmt: skip
#: Dropped, in order, should long ids pass the feed's limit: the console reads them from the hit.
_DROPPABLE = ("reader_name", "list_name")


def feed_summary(document: dict[str, Any], reads: int) -> dict[str, Any]:
    """The flat feed item (rtcc.feed: flat values, at most 512 bytes, nothing sensitive): what
    happened where and on which list, never the plate, the entry (its id can be the plate) or
    the place; the console opens the hit through GET /api/lpr/hits/{hit_id} (role-checked and
    audited), and a feed item, kept 3 days, never outlives a short retention with a plate in it."""
    summary = {name: document[name] for name in _FEED_FIELDS}
    for name in ("list_name", "reader_name"):
        if isinstance(summary[name], str):
            summary[name] = summary[name][:_NAME_MAX]
    summary["reads"] = reads
    for name in _DROPPABLE:
        if len(json.dumps(summary)) <= SUMMARY_MAX_BYTES:
            break
        summary.pop(name, None)
    return summary


class HitRecorder:
    """`record(hits, now)`: the ingest's port for hits (see the module docstring)."""

    def __init__(
        self,
        folds: FoldStore | None = None,
        store: HitStore | None = None,
        directory: Directory | None = None,
        feed: Publisher | None = None,
        texts: TextQueue | None = None,
        counts: HitCounts | None = None,
        window: timedelta | None = None,
    ) -> None:
        if None in (folds, store, directory, feed, texts, counts, window):
            from rtcc.lpr.hits_dynamodb import default_ports

            ports = default_ports()
            folds, store, directory = folds or ports.folds, store or ports.store, directory or ports.directory
            feed, texts, counts = feed or ports.feed, texts or ports.texts, counts or ports.counts
            window = window or ports.window
        self.folds, self.store, self.directory = folds, store, directory
        self.feed, self.texts, self.counts, self.window = feed, texts, counts, window

    def record(self, hits: Iterable[Hit], now: datetime) -> list[dict[str, Any]]:
        """Each hit's summary, in order, with `folded` true when it joined a raised hit."""
        hits = list(hits)
        if not hits:
            return []
        lists = self.directory.lists({h.entry.list_id for h in hits})
        readers = self.directory.readers({(h.read.source_id, h.read.camera_id or "") for h in hits})
        return [self._one(hit, lists, readers, now) for hit in hits]

    def _one(
        self, hit: Hit, lists: Mapping[str, ListInfo], readers: Mapping[tuple[str, str], str], now: datetime
    ) -> dict[str, Any]:
        at = hit.read.seen_at
        day, hit_id = hit_day(at), new_hit_id(hit)
        into = self.folds.claim(fold_key(hit), day, hit_id, at, self.window)
        # The fold's hit is this very read's: a redelivery after a failure midway (the vendor
        # retries the whole request). Redo the new hit's steps, each idempotent, without
        # counting the read twice.
        redo = into is not None and into.hit_id == hit_id
        if into is not None and not redo:
            try:
                reads = self.store.fold(into, at)
                return {"hit_id": into.hit_id, "day": into.day, "folded": True, "reads": reads}
            except HitGone:
                # Its raiser failed and was never resent: failing here would refuse every read
                # of this car (and their whole batches) for the window. This read raises it.
                self.folds.take(fold_key(hit), day, hit_id, at, self.window)
        info = lists.get(hit.entry.list_id) or ListInfo(hit.entry.list_id)
        reader = readers.get((hit.read.source_id, hit.read.camera_id or ""))
        document = hit_document(hit, day, hit_id, info, reader)
        self.store.add(day, hit_id, document, at)  # a no-op when the hit is stored already
        if not redo:
            self.counts.hits(at)
        summary = feed_summary(document, 1)
        # Stamped now, not at the read's time: consoles poll "published after my cursor", and
        # a read delivered late (a cruiser back in coverage) must still appear.
        self.feed.publish(summary, now)
        if info.notify == "feed+sms":
            self.texts.queue(day, hit_id)
        return {**summary, "folded": False}
