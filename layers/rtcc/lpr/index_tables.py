"""The lookup tables behind rtcc.lpr.matching.HotlistIndex, built once per hotlist version.

Every partial plate is filed under one slice of its OCR key (at most KEY_CHARS characters, at
a fixed place, at an end, or anywhere for an inner run), so matching a candidate is "apply each
registered slice (an `operator.itemgetter`), probe its dict, confirm the bucket's patterns":
the registered slices, not the number of entries, bound the work (see matching's docstring).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice, product
from operator import itemgetter

from rtcc.lpr.model import HotlistEntry
from rtcc.lpr.plates import (
    ANY_RUN,
    MAX_PLATE_LENGTH,
    ONE_CHAR,
    PlateError,
    canonical,
    canonical_many,
    canonical_pattern,
    collapse,
    collapse_many,
    is_pattern,
)

_WILD = re.compile(r"[*?]")
#: Plate characters a partial plate is keyed by: bounds the slices probed (matching's
#: docstring) whatever patterns are entered.
KEY_CHARS = 3
#: A "?"-only pattern with at most this many "?" is filed as the full plates it stands for
#: (28 ** 2 = 784 keys at most): no probe shape of its own, so no cost to every candidate.
EXPAND_ONE_CHARS = 2
#: The characters an OCR key can hold: A-Z and 0-9 with each look-alike class as one.
OCR_KEY_CHARS = "".join(sorted(set(collapse("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))))


@dataclass(frozen=True, slots=True)
class Pattern:
    """A partial-plate entry and its regex over OCR keys, to confirm a bucket's candidates."""

    entry: HotlistEntry
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Probe:
    """One shape: slice a candidate with `key`, look the slice up in `table`, confirm each
    pattern found with its regex."""

    key: Callable[[str], str]  # an itemgetter of one slice
    table: dict[str, tuple[Pattern, ...]]


@dataclass(frozen=True)
class Tables:
    #: OCR key -> the full-plate entry, or a tuple when several share the key (a tuple per
    #: key would cost ~50 MB more per million entries for the rare look-alike collision).
    plates: dict[str, HotlistEntry | tuple[HotlistEntry, ...]]
    probes: dict[int, tuple[Probe, ...]]  # candidate length -> the shapes to probe
    rejected: tuple[tuple[HotlistEntry, str], ...]  # unusable plate text, with the reason
    #: The same keys as a set, probed first: a miss in a set of a million costs half what a
    #: dict lookup does (one table instead of index and entries), and nearly every probe misses.
    plate_keys: frozenset[str] = frozenset()


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == ANY_RUN else "." if c == ONE_CHAR else re.escape(c) for c in pattern)
    )


def _literal_runs(pattern: str) -> list[tuple[int, str]]:
    """(start, text) of each run of plate characters, longest first, then leftmost."""
    runs = [(m.start(), m.group()) for m in re.finditer(r"[^*?]+", pattern)]
    return sorted(runs, key=lambda run: (-len(run[1]), run[0]))


class _Builder:
    def __init__(self) -> None:
        self.plates: dict[str, HotlistEntry | tuple[HotlistEntry, ...]] = {}
        # Each table maps a key (a slice of at most KEY_CHARS characters) to Patterns.
        self.fixed: dict[tuple[int, int, int], dict] = {}  # (length, start, size): "?" only
        self.ends: dict[tuple[str, int], dict] = {}  # ("prefix" | "suffix", size)
        self.runs: dict[int, dict] = {}  # size of the longest inner run ("*" both ends)
        self.rejected: list[tuple[HotlistEntry, str]] = []

    def add_many(self, entries: list[HotlistEntry]) -> None:
        plain = [e for e in entries if not is_pattern(e.plate)]
        for entry in entries:
            if is_pattern(entry.plate):
                self._guarded(entry, lambda e: self._pattern(collapse(canonical_pattern(e.plate)), e))
        # Full plates keyed in one C-mapped pass (rtcc.lpr.plates' batch path).
        for entry, key in zip(plain, collapse_many(canonical_many([e.plate for e in plain])), strict=True):
            if not key:
                self._guarded(entry, lambda e: canonical(e.plate))  # records the reason
                continue
            self._file(key, entry)

    def _file(self, key: str, entry: HotlistEntry) -> None:
        held = self.plates.get(key)
        if held is None:
            self.plates[key] = entry
        else:
            self.plates[key] = (*held, entry) if isinstance(held, tuple) else (held, entry)

    def _guarded(self, entry: HotlistEntry, index: Callable[[HotlistEntry], object]) -> None:
        try:
            index(entry)
        except PlateError as error:
            self.rejected.append((entry, str(error)))  # the importer reports these; never matched

    def _pattern(self, key: str, entry: HotlistEntry) -> None:
        # One slice of at most KEY_CHARS plate characters keys each pattern: patterns of
        # many forms share a few slices (fewer probes), and the regex confirms the rest.
        prefix, suffix = _prefix(key), _suffix(key)
        if ANY_RUN not in key and key.count(ONE_CHAR) <= EXPAND_ONE_CHARS:
            # "?" only, at most two: filed as every plate it stands for (28 or 784 OCR keys),
            # so it costs a candidate no probe of its own (the full-plate probe finds it).
            for plate in _expanded(key):
                self._file(plate, entry)
            return
        if ANY_RUN not in key:  # "?" only: a fixed length, so its longest run sits at a fixed place
            start, run = _literal_runs(key)[0]
            slot = run[:KEY_CHARS]
            table = self.fixed.setdefault((len(key), start, len(slot)), {})
        elif len(prefix) >= len(suffix) and prefix:  # anchored at the start: its first characters
            slot = prefix[:KEY_CHARS]
            table = self.ends.setdefault(("prefix", len(slot)), {})
        elif suffix:  # anchored at the end: its last characters
            slot = suffix[-KEY_CHARS:]
            table = self.ends.setdefault(("suffix", len(slot)), {})
        else:  # wildcards at both ends: the longest inner run, wherever it sits
            slot = _literal_runs(key)[0][1][:KEY_CHARS]
            table = self.runs.setdefault(len(slot), {})
        table.setdefault(slot, []).append(Pattern(entry, _regex(key)))

    def probes(self, n: int) -> tuple[Probe, ...]:
        """The slices a candidate of length n is probed with: one per distinct place, the
        tables of every shape slicing the same place merged (a prefix, a suffix and an inner
        run's window often coincide), so the probes are the distinct slices, not the shapes."""
        by_place: dict[tuple[int, int], list[dict]] = {}
        for (size, a, k), table in self.fixed.items():
            if size == n:
                by_place.setdefault((a, a + k), []).append(table)
        for (side, k), table in self.ends.items():
            if k <= n:
                by_place.setdefault((0, k) if side == "prefix" else (n - k, n), []).append(table)
        for k, table in self.runs.items():
            for i in range(n - k + 1):
                by_place.setdefault((i, i + k), []).append(table)
        return tuple(Probe(itemgetter(slice(a, b)), _merged(tables)) for (a, b), tables in by_place.items())


def _merged(tables: list[dict]) -> dict:
    if len(tables) == 1:
        return tables[0]
    merged: dict[str, tuple[Pattern, ...]] = {}
    for table in tables:
        for slot, patterns in table.items():
            merged[slot] = merged.get(slot, ()) + tuple(patterns)
    return merged


def _expanded(pattern: str) -> Iterator[str]:
    """Every OCR key a "?"-only pattern stands for ("?" is any OCR-key character)."""
    parts = [OCR_KEY_CHARS if c == ONE_CHAR else c for c in pattern]
    return map("".join, product(*parts))


def _prefix(pattern: str) -> str:
    return _WILD.split(pattern, maxsplit=1)[0]


def _suffix(pattern: str) -> str:
    return _WILD.split(pattern)[-1]


def _frozen(table: dict) -> dict:
    return {key: tuple(values) for key, values in table.items()}


def build_tables(entries: Iterable[HotlistEntry]) -> Tables:
    builder = _Builder()
    chunks = iter(entries)
    while chunk := list(islice(chunks, 10_000)):
        builder.add_many(chunk)
    for tables in (builder.fixed, builder.ends, builder.runs):
        for shape, table in tables.items():
            tables[shape] = _frozen(table)
    probes = {n: builder.probes(n) for n in range(1, MAX_PLATE_LENGTH + 1)}
    probes_by_length = {n: p for n, p in probes.items() if p}
    return Tables(builder.plates, probes_by_length, tuple(builder.rejected), frozenset(builder.plates))
