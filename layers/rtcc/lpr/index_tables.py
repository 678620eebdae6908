"""The lookup tables behind rtcc.lpr.matching.HotlistIndex, built once per hotlist version.

Every pattern is filed under a key that a candidate's OCR key can be projected onto with an
`operator.itemgetter` (positions; negative ones count from the end), so matching a candidate
is "apply each registered getter, probe its dict": the getters are the pattern SHAPES, and
their number, not the number of entries, bounds the work (see matching's docstring).
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
#: Literal characters a "*" pattern is keyed by, each side (or of its inner run): bounds the
#: "*" shapes to 15 prefix/suffix pairs and 3 run lengths whatever patterns are entered.
KEY_CHARS = 3


@dataclass(frozen=True, slots=True)
class Pattern:
    """A "*" entry and its regex over OCR keys, to confirm a bucket's candidates."""

    entry: HotlistEntry
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Probe:
    """One shape: project a candidate with `key`, look the projection up in `table`."""

    key: Callable[[str], object]
    table: dict[object, tuple]
    verify: bool  # the table holds Patterns to confirm with their regex ("*" shapes)


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


def _positions(*indexes: int) -> Callable[[str], object]:
    """A getter for these positions, as slices of consecutive runs: ("AB", "12") for
    (0, 1, 3, 4) builds fewer objects per probe than five one-character items."""
    resolved = sorted(indexes, key=lambda i: (i < 0, i))
    runs: list[list[int]] = []
    for i in resolved:
        if runs and i == runs[-1][-1] + 1 and (i < 0) == (runs[-1][-1] < 0):
            runs[-1].append(i)
        else:
            runs.append([i])
    return itemgetter(*(slice(run[0], run[-1] + 1 or None) for run in runs))


class _Builder:
    def __init__(self) -> None:
        self.plates: dict[str, HotlistEntry | tuple[HotlistEntry, ...]] = {}
        self.masked: dict[tuple[int, tuple[int, ...]], dict] = {}  # (length, mask) -> table
        self.ends: dict[tuple[int, int], dict] = {}  # (prefix length, suffix length) -> table
        self.runs: dict[int, dict] = {}  # longest literal run length -> table
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
        if ANY_RUN not in key:  # "?" only: fixed length, fixed positions
            mask = tuple(i for i, c in enumerate(key) if c != ONE_CHAR)
            table = self.masked.setdefault((len(key), mask), {})
            table.setdefault(_positions(*mask)(key), []).append(entry)
            return
        found = Pattern(entry, _regex(key))
        first, last = _WILD.search(key).start(), max(key.rfind(ANY_RUN), key.rfind(ONE_CHAR))
        # At most KEY_CHARS literal characters each side make the key: patterns of many
        # lengths then share a few shapes (fewer probes), and the regex confirms the rest.
        prefix, suffix = min(first, KEY_CHARS), min(len(key) - last - 1, KEY_CHARS)
        if prefix or suffix:
            getter = _positions(*range(prefix), *range(-suffix, 0))
            self.ends.setdefault((prefix, suffix), {}).setdefault(getter(key), []).append(found)
        else:  # wildcards at both ends: the longest literal run, wherever it sits
            run = max(_WILD.split(key), key=len)[:KEY_CHARS]
            table = self.runs.setdefault(len(run), {})
            table.setdefault(_positions(*range(len(run)))(run), []).append(found)

    def probes(self, n: int) -> tuple[Probe, ...]:
        """The shapes a candidate of length n is probed with."""
        found = [Probe(_positions(*mask), t, False) for (size, mask), t in self.masked.items() if size == n]
        for (prefix, suffix), table in self.ends.items():
            if prefix + suffix <= n:
                found.append(Probe(_positions(*range(prefix), *range(-suffix, 0)), table, True))
        for size, table in self.runs.items():
            found.extend(Probe(_positions(*range(i, i + size)), table, True) for i in range(n - size + 1))
        return tuple(found)


def _frozen(table: dict) -> dict:
    return {key: tuple(values) for key, values in table.items()}


def build_tables(entries: Iterable[HotlistEntry]) -> Tables:
    builder = _Builder()
    chunks = iter(entries)
    while chunk := list(islice(chunks, 10_000)):
        builder.add_many(chunk)
    for tables in (builder.masked, builder.ends, builder.runs):
        for shape, table in tables.items():
            tables[shape] = _frozen(table)
    probes = {n: builder.probes(n) for n in range(1, MAX_PLATE_LENGTH + 1)}
    return Tables(builder.plates, {n: p for n, p in probes.items() if p}, tuple(builder.rejected))
