"""The lookup tables behind rtcc.lpr.matching.HotlistIndex, built once per hotlist version.

Every partial plate is filed under one slice of its OCR key (at most KEY_CHARS characters, at
a fixed place, at an end, or anywhere for an inner run), so matching a candidate is "apply each
registered slice (an `operator.itemgetter`), probe its dict, confirm the bucket's patterns":
the registered slices, not the number of entries, bound the work (see matching's docstring).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
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
        """The slices a candidate of length n is probed with."""
        found = [Probe(itemgetter(slice(a, a + k)), t) for (size, a, k), t in self.fixed.items() if size == n]
        for (side, k), table in self.ends.items():
            if k <= n:
                found.append(Probe(itemgetter(slice(0, k) if side == "prefix" else slice(-k, None)), table))
        for k, table in self.runs.items():
            found.extend(Probe(itemgetter(slice(i, i + k)), table) for i in range(n - k + 1))
        return tuple(found)


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
    return Tables(builder.plates, {n: p for n, p in probes.items() if p}, tuple(builder.rejected))
