"""Matching reads against hotlists without a scan.

A `HotlistIndex` is built once per hotlist version and never changes; `Hotlists` holds the
current one and swaps a whole new version in with one reference assignment, so a match sees
the old version or the new one, never a mix (the issue's atomic switch-over).

Every lookup is a dict probe keyed by a projection of the candidate's OCR key
(rtcc.lpr.plates.collapse); nothing iterates over the entries. Per candidate of length n:

- full plates: ONE probe by the whole OCR key. The bucket holds the entries equal up to
  look-alikes; comparing canonical keys then tells exact from OCR-equivalent.
- partial plates: a "?"-only one with at most two "?" is filed in that same dict as every
  OCR key it stands for (28 or 784), so the full-plate probe finds it. Every other is filed
  under ONE slice of at most 3 plate characters, and a slice that lands in a bucket is
  confirmed with each bucket pattern's compiled regex:
  - "?" only, three or more: its longest literal run, at its fixed position;
  - "*" anchored at an end ("ABC*", "*123", "AB*99"): the first or last characters of its
    longer end;
  - "*" at both ends ("*AB1*"): its longest inner run, which may sit anywhere: every window
    of that size.
  Shapes that slice the same place of a candidate (a prefix of 3 and an inner run's first
  window) share one merged dict, so a candidate costs one probe per distinct place.

So probes per candidate <= `shape_count(n)`: 1 + the distinct places registered for length n
(at most every (start, size) with size <= 3: 3n), bounded by the slices registered, never by
the number of entries, whatever patterns are entered. A bucket holds only the patterns
sharing those characters at that place. Wildcards compare OCR keys, so "AB*" also finds
"A8C123": a partial plate is already a guess. Expiry is compared at match time, so an entry
stops matching at its `expires_at`.

Speed: `match_many` projects a whole batch (the ingest's up to 500 reads) per probe shape
with C-level `map` over the candidates, so Python runs per hit, not per probe.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import chain, compress, repeat
from operator import attrgetter
from types import MappingProxyType

from rtcc.lpr.index_tables import Probe, Tables, build_tables
from rtcc.lpr.model import Hit, HotlistEntry, MatchKind, Read
from rtcc.lpr.plates import MAX_PLATE_LENGTH, canonical, canonical_many, collapse_many, is_pattern

_plate_of = attrgetter("plate")
_KIND_RANK = {MatchKind.EXACT: 0, MatchKind.OCR_EQUIVALENT: 1, MatchKind.WILDCARD: 2}


class ProbeCount:
    """The lookup-count hook: dict probes and regex checks made by matches. A test or the
    bench compares them with `HotlistIndex.shape_count`; there is no scan to count because
    no code path iterates over the entries."""

    __slots__ = ("probes", "checks", "candidates", "most")

    def __init__(self) -> None:
        self.probes = self.checks = self.candidates = 0
        self.most = 0  # the most probes one candidate took

    def shaped(self, candidates: int, shapes: int) -> None:
        """`candidates` of one length each probed once per pattern shape of that length."""
        self.probes += candidates * shapes
        self.most = max(self.most, 1 + shapes)


class HotlistIndex:
    """One immutable version of every hotlist, indexed for scan-free matching."""

    def __init__(self, entries: Iterable[HotlistEntry], version: str = "") -> None:
        self.version = version
        self._tables: Tables = build_tables(entries)
        #: Entries the index could not use (illegal plate text), with the reason.
        self.rejected = self._tables.rejected

    def shape_count(self, length: int) -> int:
        """The probes one candidate of `length` characters costs (the documented bound)."""
        return 1 + len(self._tables.probes.get(length, ()))

    def match(self, read: Read, now: datetime, count: ProbeCount | None = None) -> list[Hit]:
        """The hits of one read (see match_many)."""
        return self.match_many([read], now, count)[0]

    def match_many(
        self, reads: Sequence[Read], now: datetime, count: ProbeCount | None = None
    ) -> list[list[Hit]]:
        """Per read, its hits: at most one per entry (its best kind, then its earliest
        candidate), unexpired at `now`, highest-priority list first."""
        # Each read's plates (_plates_of), flattened with C-level chains, each text owned by
        # its read's position.
        plates = list(map(_plates_of, reads))
        texts: list[str] = list(chain.from_iterable(plates))
        owners = list(chain.from_iterable(map(repeat, range(len(plates)), map(len, plates))))
        keys = canonical_many(texts)  # "" for a junk guess: it matches nothing
        ocr = collapse_many(keys)
        if count is not None:
            count.candidates += len(ocr)
            count.probes += len(ocr)  # the full-plate probe, one each
        found: list[tuple[int, HotlistEntry, MatchKind]] = []
        self._full_plates(keys, ocr, found)
        self._patterns(ocr, found, count)
        return self._hits(reads, owners, keys, found, now)

    def _full_plates(self, keys: list[str], ocr: list[str], found: list) -> None:
        table = self._tables.plates
        for j in compress(range(len(ocr)), map(self._tables.plate_keys.__contains__, ocr)):
            held = table[ocr[j]]
            for entry in held if isinstance(held, tuple) else (held,):
                found.append((j, entry, _full_kind(entry.plate, keys[j])))

    def _patterns(self, ocr: list[str], found: list, count: ProbeCount | None) -> None:
        # Candidates grouped by length (sorted positions): each length has its probe shapes.
        sizes = list(map(len, ocr))
        order = sorted(range(len(ocr)), key=sizes.__getitem__)
        lengths = [sizes[j] for j in order]
        for n in range(1, MAX_PLATE_LENGTH + 1):
            lo, hi = bisect_left(lengths, n), bisect_right(lengths, n)
            if lo == hi:
                continue
            group = order[lo:hi]
            texts = [ocr[j] for j in group]
            probes = self._tables.probes.get(n, ())
            for probe in probes:
                _probe(probe, group, texts, found, count)
            if count is not None:
                count.shaped(len(group), len(probes))

    def _hits(self, reads: Sequence[Read], owners: list[int], keys: list[str], found: list, now: datetime):
        # Only reads with a hit get a dict: most reads hit nothing.
        best: dict[int, dict[tuple[str, str], tuple[int, int, Hit]]] = {}
        for j, entry, kind in found:
            if entry.expires_at is not None and now >= entry.expires_at:
                continue
            read, rank = reads[owners[j]], (_KIND_RANK[kind], j)
            ident = (entry.list_id, entry.entry_id)
            mine = best.setdefault(owners[j], {})
            if ident not in mine or rank < mine[ident][:2]:
                mine[ident] = (*rank, Hit(read, entry, kind, keys[j], _state_agrees(read.state, entry.state)))
        answer: list[list[Hit]] = [[] for _ in reads]
        for owner, mine in best.items():
            ranked = sorted(mine.values(), key=lambda t: (t[2].entry.priority, t[0], t[1]))
            answer[owner] = [hit for _, _, hit in ranked]
        return answer


def _probe(probe: Probe, group: list[int], texts: list[str], found: list, count: ProbeCount | None) -> None:
    """One probe shape over every candidate of its length: C-level map, Python per hit only."""
    get, table = probe.key, probe.table
    for k in compress(range(len(texts)), map(table.get, map(get, texts))):
        for pattern in table[get(texts[k])]:
            if count is not None:
                count.checks += 1
            if pattern.regex.fullmatch(texts[k]):
                found.append((group[k], pattern.entry, MatchKind.WILDCARD))


def _plates_of(read: Read) -> tuple[str, ...]:
    """Read.plates() for the matcher: recognisers list the best guess as their first
    candidate, so that common case is the candidates as they are; a guess repeated further
    down is only probed twice (hits are one per entry all the same)."""
    candidates = tuple(map(_plate_of, read.candidates))
    if candidates and candidates[0] == read.plate:
        return candidates
    return (read.plate, *candidates)


def _full_kind(plate: str, key: str) -> MatchKind:
    """How a full-plate probe's entry matched: a "?" pattern filed as its plates is a
    wildcard match; a plate is exact or equal only up to look-alikes."""
    if is_pattern(plate):
        return MatchKind.WILDCARD
    return MatchKind.EXACT if canonical(plate) == key else MatchKind.OCR_EQUIVALENT


def _state_agrees(read_state: str | None, entry_state: str | None) -> bool | None:
    if not read_state or not entry_state:
        return None
    return read_state.upper() == entry_state.upper()


class Hotlists:
    """The current index, replaced whole: a match reads the reference once, so it sees the
    version it started with even while an import swaps in the next one. Writers (imports)
    take a lock so two imports of different lists do not lose each other's entries."""

    def __init__(self, index: HotlistIndex | None = None) -> None:
        self._index = index or HotlistIndex((), version="empty")
        self._lists: Mapping[str, tuple[HotlistEntry, ...]] = MappingProxyType({})
        self._write = threading.Lock()

    @property
    def current(self) -> HotlistIndex:
        return self._index

    def match(self, read: Read, now: datetime, count: ProbeCount | None = None) -> list[Hit]:
        return self._index.match(read, now, count)

    def match_many(
        self, reads: Sequence[Read], now: datetime, count: ProbeCount | None = None
    ) -> list[list[Hit]]:
        return self._index.match_many(reads, now, count)

    def swap(self, index: HotlistIndex, lists: Mapping[str, tuple[HotlistEntry, ...]]) -> None:
        """Switch over to a fully built index (one reference assignment: atomic for readers)."""
        with self._write:
            self._lists = MappingProxyType(dict(lists))
            self._index = index

    def replace_list(self, list_id: str, entries: Iterable[HotlistEntry], version: str) -> HotlistIndex:
        """Build the next version with `list_id`'s entries replaced, then switch over. The
        build happens before the swap, so matches meanwhile use the previous version."""
        with self._write:
            lists = dict(self._lists)
            lists[list_id] = tuple(entries)
            strays = {e.list_id for e in lists[list_id]} - {list_id}
            if strays:
                raise ValueError(f"replace_list({list_id!r}): entries of other lists {sorted(strays)}")
            index = HotlistIndex((e for es in lists.values() for e in es), version=version)
            self._lists = MappingProxyType(lists)
            self._index = index
        return index
