"""Matching reads against hotlists without a scan.

A `HotlistIndex` is built once per hotlist version and never changes; `Hotlists` holds the
current one and swaps a whole new version in with one reference assignment, so a match sees
the old version or the new one, never a mix (the issue's atomic switch-over).

What a match costs, per candidate plate of length n (every lookup is a dict probe, counted
by `ProbeCount`; nothing iterates over the entries):

- full plates: ONE probe, keyed by the OCR key (rtcc.lpr.plates.collapse). The bucket holds
  the entries equal up to look-alikes; comparing canonical keys then tells exact from
  OCR-equivalent.
- "?"-only patterns ("AB?12?"): grouped by (length, mask of fixed positions). A candidate is
  projected onto each mask registered for its length: one probe per such mask.
- patterns with "*": keyed by their literal prefix and suffix (the characters before the first
  wildcard and after the last). One probe per registered (prefix length, suffix length) shape
  that fits in n. A pattern with wildcards at both ends ("*AB1*") is keyed by its longest
  literal run instead: one probe per substring of n of each registered run length.

So probes <= candidates x (1 + masks(n) + shapes + sum over run lengths L of (n - L + 1)):
bounded by the number of distinct pattern SHAPES (at most a few hundred for 10-character
plates), never by the number of entries. A probe that lands on a "*" bucket checks the
bucket's patterns with a compiled regex; a bucket holds only patterns sharing those literal
characters. Wildcards compare OCR keys, so "AB*" also finds "A8C123": a partial plate is
already a guess. Expiry is compared at match time, so an entry stops matching at its
`expires_at` without a rebuild.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from rtcc.lpr.model import Hit, HotlistEntry, MatchKind, Read
from rtcc.lpr.plates import ANY_RUN, ONE_CHAR, PlateError, canonical, canonical_pattern, collapse, is_pattern

_KIND_RANK = {MatchKind.EXACT: 0, MatchKind.OCR_EQUIVALENT: 1, MatchKind.WILDCARD: 2}


class ProbeCount:
    """The lookup-count hook: dict probes and regex checks made by matches. A test or the
    bench compares them with the bound above; there is no counter for scans because no code
    path iterates over the entries."""

    __slots__ = ("probes", "checks", "candidates")

    def __init__(self) -> None:
        self.probes = self.checks = self.candidates = 0


@dataclass(frozen=True)
class _Pattern:
    entry: HotlistEntry
    regex: re.Pattern[str]  # over the OCR key, anchored


def _regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == ANY_RUN else "." if c == ONE_CHAR else re.escape(c) for c in pattern)
    return re.compile("".join(parts))


def _literal_ends(pattern: str) -> tuple[str, str]:
    first = min(i for i, c in enumerate(pattern) if c in (ANY_RUN, ONE_CHAR))
    last = max(i for i, c in enumerate(pattern) if c in (ANY_RUN, ONE_CHAR))
    return pattern[:first], pattern[last + 1 :]


def _longest_run(pattern: str) -> str:
    return max(re.split(r"[*?]", pattern), key=len)


def _mask(pattern: str) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(pattern) if c != ONE_CHAR)


def _add(table: dict, key: object, value: object) -> None:
    table.setdefault(key, []).append(value)


def _freeze(table: dict) -> dict:
    return {k: tuple(v) for k, v in table.items()}


class _Builder:
    """Collects entries into the index's tables (lists while building, tuples once built)."""

    def __init__(self) -> None:
        self.plates: dict[str, list[HotlistEntry]] = {}
        self.masks: dict[int, set[tuple[int, ...]]] = {}
        self.masked: dict[tuple, list[HotlistEntry]] = {}
        self.shapes: set[tuple[int, int]] = set()
        self.ends: dict[tuple, list[_Pattern]] = {}
        self.runs: dict[tuple[int, str], list[_Pattern]] = {}
        self.rejected: list[tuple[HotlistEntry, str]] = []

    def add(self, entry: HotlistEntry) -> None:
        try:
            if is_pattern(entry.plate):
                self._add_pattern(collapse(canonical_pattern(entry.plate)), entry)
            else:
                _add(self.plates, collapse(canonical(entry.plate)), entry)
        except PlateError as error:
            self.rejected.append((entry, str(error)))  # the importer reports these; never matched

    def _add_pattern(self, key: str, entry: HotlistEntry) -> None:
        if ANY_RUN not in key:
            mask = _mask(key)
            self.masks.setdefault(len(key), set()).add(mask)
            _add(self.masked, (len(key), mask, "".join(key[i] for i in mask)), entry)
            return
        prefix, suffix = _literal_ends(key)
        found = _Pattern(entry, _regex(key))
        if prefix or suffix:
            self.shapes.add((len(prefix), len(suffix)))
            _add(self.ends, (len(prefix), len(suffix), prefix, suffix), found)
        else:
            run = _longest_run(key)
            _add(self.runs, (len(run), run), found)


class HotlistIndex:
    """One immutable version of every hotlist, indexed for scan-free matching."""

    def __init__(self, entries: Iterable[HotlistEntry], version: str = "") -> None:
        builder = _Builder()
        for entry in entries:
            builder.add(entry)
        self.version = version
        self._plates = _freeze(builder.plates)
        self._masks = {n: tuple(sorted(m)) for n, m in builder.masks.items()}
        self._masked = _freeze(builder.masked)
        self._shapes = tuple(sorted(builder.shapes))
        self._ends = _freeze(builder.ends)
        self._run_lengths = tuple(sorted({n for n, _ in builder.runs}))
        self._runs = _freeze(builder.runs)
        #: Entries the index could not use (illegal plate text), with the reason.
        self.rejected: tuple[tuple[HotlistEntry, str], ...] = tuple(builder.rejected)

    def shape_count(self, length: int) -> int:
        """The most probes one candidate of `length` characters can cost (the documented bound)."""
        masks = len(self._masks.get(length, ()))
        shapes = sum(1 for p, s in self._shapes if p + s <= length)
        runs = sum(length - n + 1 for n in self._run_lengths if n <= length)
        return 1 + masks + shapes + runs

    def match(self, read: Read, now: datetime, count: ProbeCount | None = None) -> list[Hit]:
        """The hits of a read: at most one per entry (its best kind, on the earliest
        candidate), unexpired at `now`, highest-priority list first."""
        best: dict[tuple[str, str], Hit] = {}
        for plate in read.plates():
            try:
                key = canonical(plate)
            except PlateError:
                continue  # a recogniser's junk guess matches nothing; reads validate at ingest
            for entry, kind in self._lookup(key, collapse(key), count):
                if entry.expires_at is not None and now >= entry.expires_at:
                    continue
                hit = Hit(read, entry, kind, key, _state_agrees(read.state, entry.state))
                ident = (entry.list_id, entry.entry_id)
                if ident not in best or _KIND_RANK[kind] < _KIND_RANK[best[ident].kind]:
                    best[ident] = hit
        return sorted(best.values(), key=lambda h: (h.entry.priority, _KIND_RANK[h.kind]))

    def _lookup(self, key: str, ocr: str, count: ProbeCount | None) -> list[tuple[HotlistEntry, MatchKind]]:
        found: list[tuple[HotlistEntry, MatchKind]] = []
        for entry in self._plates.get(ocr, ()):
            exact = canonical(entry.plate) == key
            found.append((entry, MatchKind.EXACT if exact else MatchKind.OCR_EQUIVALENT))
        n = len(ocr)
        probes = 1
        for mask in self._masks.get(n, ()):
            probes += 1
            for entry in self._masked.get((n, mask, "".join(ocr[i] for i in mask)), ()):
                found.append((entry, MatchKind.WILDCARD))
        patterns, more = self._star_buckets(ocr)
        checks = sum(len(p) for p in patterns)
        found.extend((p.entry, MatchKind.WILDCARD) for ps in patterns for p in ps if p.regex.fullmatch(ocr))
        if count is not None:
            count.candidates += 1
            count.probes += probes + more
            count.checks += checks
        return found

    def _star_buckets(self, ocr: str) -> tuple[list[tuple[_Pattern, ...]], int]:
        n, buckets, probes = len(ocr), [], 0
        for p, s in self._shapes:
            if p + s <= n:
                probes += 1
                bucket = self._ends.get((p, s, ocr[:p], ocr[n - s :]))
                if bucket:
                    buckets.append(bucket)
        for length in self._run_lengths:
            for i in range(n - length + 1):
                probes += 1
                bucket = self._runs.get((length, ocr[i : i + length]))
                if bucket:
                    buckets.append(bucket)
        return buckets, probes


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
