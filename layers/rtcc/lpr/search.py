"""Purpose-bound searches of plate reads, planned as key lookups and bounded ranges only.

A search names a purpose from the city's configured list and a case number, or it is
refused (`SearchRefused` names the field). It is turned into a `SearchPlan`: a tuple of
`Lookup`s, each one partition key plus a `seen_at` range, which is exactly what a DynamoDB
Query can answer without a scan. There is no lookup for "all reads": a plan always starts
from a plate key, a plate prefix, a reader or the area's geohash cells, and the number of
lookups is bounded (`SearchRules.max_lookups`) before anything is read. What the lookups
return is then narrowed by `SearchPlan.admits` (time, reader, area, pattern) and the
retention filter, so an expired read is never in a result.

The index keys a read is written under come from `index_keys` here too, so the writer and
the planner cannot drift apart. Indexes:
  plate  canonical text of each of the read's plates        (one key, any range)
  ocr    its OCR-equivalence key (0/O/D/Q, 8/B ... as one)  (one key, any range)
  prefix first 3 canonical characters + UTC day             (one key per day)
  reader camera id + UTC day                                 (one key per day)
  cell   precision-5 geohash cell + UTC day                  (one key per cell per day)
Day-bucketed keys keep a busy reader's or cell's partition to one day of reads.

The audit record (`audit_detail`) holds who searched, why, for which case and the query;
never the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from rtcc.lpr import plates
from rtcc.lpr.geocells import BBox, count_cells, cover, encode
from rtcc.lpr.model import Read
from rtcc.lpr.retention import RetentionPolicy
from rtcc.lpr.transparency import check_purposes

PREFIX_LENGTH = 3
_CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")


class PlateMode(StrEnum):
    EXACT = "exact"  # the plate's canonical text
    OCR = "ocr-equivalent"  # any plate reading the same once look-alikes are one class
    WILDCARD = "wildcard"  # "*" any run, "?" one character


class SearchRefused(ValueError):
    """A search that may not run: `field` names what to fix."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class SearchRules:
    purposes: frozenset[str]  # the city's configured list ("stolen vehicle", "homicide" ...)
    retention: RetentionPolicy
    max_range: timedelta = timedelta(days=31)
    max_lookups: int = 256  # key lookups one search may make (cells x days, days ...)

    def __post_init__(self) -> None:
        # Checked when the settings load, not when the first search or the transparency
        # page runs: the labels are published, so one that could carry a case number or a
        # plate (a digit) is refused (rtcc.lpr.transparency.check_purposes).
        if not self.purposes:
            raise ValueError("purposes: configure at least one search purpose")
        check_purposes(self.purposes)


@dataclass(frozen=True)
class SearchRequest:
    user: str
    purpose: str
    case_number: str
    start: datetime
    end: datetime
    plate: str | None = None
    mode: PlateMode = PlateMode.EXACT
    reader_id: str | None = None
    area: BBox | None = None


@dataclass(frozen=True)
class Lookup:
    """One DynamoDB Query: an index's partition key and a seen_at range [start, end)."""

    index: str
    key: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SearchPlan:
    lookups: tuple[Lookup, ...]
    start: datetime  # the range searched, after clamping to retention and now
    end: datetime
    plate_key: str | None  # canonical text, OCR key or pattern, per mode
    mode: PlateMode
    reader_id: str | None
    area: BBox | None

    def admits(self, read: Read) -> bool:
        """Whether a read a lookup returned belongs in the result (the lookups may return
        more: a day bucket, a whole cell, a prefix)."""
        if not self.start <= read.seen_at < self.end:
            return False
        if self.reader_id is not None and read.camera_id != self.reader_id:
            return False
        if self.area is not None and not self.area.contains(read.lat, read.lon):
            return False
        return self.plate_key is None or any(self._plate_matches(p) for p in read.plates())

    def _plate_matches(self, text: str) -> bool:
        try:
            key = plates.canonical(text)
        except plates.PlateError:
            return False
        if self.mode is PlateMode.EXACT:
            return key == self.plate_key
        if self.mode is PlateMode.OCR:
            return plates.collapse(key) == self.plate_key
        return _pattern_regex(self.plate_key or "").fullmatch(key) is not None


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def index_keys(read: Read) -> tuple[tuple[str, str], ...]:
    """Every (index, partition key) a read is written under (see the module docstring)."""
    keys: dict[tuple[str, str], None] = {}
    day = _day(read.seen_at)
    for text in read.plates():
        try:
            key = plates.canonical(text)
        except plates.PlateError:
            continue  # a garbled candidate is not searchable; the read's other plates are
        keys.update(dict.fromkeys([("plate", key), ("ocr", plates.collapse(key))]))
        if len(key) >= PREFIX_LENGTH:
            keys[("prefix", f"{key[:PREFIX_LENGTH]}#{day}")] = None
    if read.camera_id:
        keys[("reader", f"{read.camera_id}#{day}")] = None
    if read.lat is not None and read.lon is not None:
        keys[("cell", f"{encode(read.lat, read.lon)}#{day}")] = None
    return tuple(keys)


def _days(start: datetime, end: datetime) -> list[str]:
    first, last = start.astimezone(UTC).date(), (end - timedelta(microseconds=1)).astimezone(UTC).date()
    return [str(first + timedelta(days=i)) for i in range((last - first).days + 1)]


def _check_who_why(request: SearchRequest, rules: SearchRules) -> None:
    if not isinstance(request.user, str) or not request.user.strip():
        raise SearchRefused("user", "required: every search is attributed")
    if request.purpose not in rules.purposes:
        allowed = ", ".join(sorted(rules.purposes))
        raise SearchRefused("purpose", f"required, one of the configured purposes: {allowed}")
    case = request.case_number
    if not isinstance(case, str) or not _CASE_NUMBER.fullmatch(case):
        raise SearchRefused("case_number", "required: letters, digits and . _ / - (at most 40)")


def _window(request: SearchRequest, rules: SearchRules, now: datetime) -> tuple[datetime, datetime]:
    start, end = request.start, request.end
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise SearchRefused(name, "a timezone-aware time is required")
    if start >= end:
        raise SearchRefused("start", "must be before end")
    if end - start > rules.max_range:
        raise SearchRefused("end", f"the range may span at most {rules.max_range.days} days")
    cutoff = now - rules.retention.period
    if end <= cutoff:
        raise SearchRefused("end", "the whole range is past retention: those reads are gone")
    if start >= now:
        raise SearchRefused("start", "in the future")
    # Reads before the cutoff are past retention (a case holds its own): not searched.
    return max(start, cutoff), min(end, now)


def _plate_key(request: SearchRequest) -> str | None:
    if request.plate is None:
        return None
    try:
        if request.mode is PlateMode.WILDCARD:
            return plates.canonical_pattern(request.plate)
        key = plates.canonical(request.plate)
    except plates.PlateError as error:
        raise SearchRefused("plate", str(error).removeprefix("plate: ").removeprefix("pattern: ")) from None
    return plates.collapse(key) if request.mode is PlateMode.OCR else key


def _selector_lookups(
    request: SearchRequest, plate_key: str | None, days: list[str], max_lookups: int
) -> list[tuple[str, str]]:
    """The (index, key) pairs the search reads, most selective first; [] when nothing
    bounds it."""
    if plate_key is not None and request.mode is PlateMode.EXACT:
        return [("plate", plate_key)]
    if plate_key is not None and request.mode is PlateMode.OCR:
        return [("ocr", plate_key)]
    if request.reader_id:
        return [("reader", f"{request.reader_id}#{d}") for d in days]
    prefix = re.match(r"[A-Z0-9]*", plate_key or "")
    if plate_key is not None and prefix and len(prefix.group()) >= PREFIX_LENGTH:
        return [("prefix", f"{plate_key[:PREFIX_LENGTH]}#{d}") for d in days]
    if request.area is not None:
        # Counted before listing: a continent-sized box is refused without enumerating it.
        if count_cells(request.area) * len(days) > max_lookups:
            raise SearchRefused("area", "too large for this time range: narrow the area or the range")
        return [("cell", f"{cell}#{d}") for cell in cover(request.area) for d in days]
    return []


def plan(request: SearchRequest, rules: SearchRules, now: datetime) -> SearchPlan:
    """Check the request and turn it into bounded key lookups, or raise SearchRefused."""
    _check_who_why(request, rules)
    try:
        # A route passes the mode as text: "exact" becomes PlateMode.EXACT, a typo is refused.
        request = replace(request, mode=PlateMode(request.mode))
    except ValueError:
        raise SearchRefused("mode", f"one of {', '.join(m.value for m in PlateMode)}") from None
    start, end = _window(request, rules, now)
    plate_key = _plate_key(request)
    days = _days(start, end)
    pairs = _selector_lookups(request, plate_key, days, rules.max_lookups)
    if not pairs:
        needed = f"a plate, a wildcard with {PREFIX_LENGTH} leading characters, a reader or an area"
        raise SearchRefused("plate", f"{needed} is required: a search never reads all reads")
    if len(pairs) > rules.max_lookups:
        raise SearchRefused("end", "too many lookups: narrow the time range")
    lookups = tuple(Lookup(index, key, start, end) for index, key in pairs)
    return SearchPlan(lookups, start, end, plate_key, request.mode, request.reader_id, request.area)


def audit_detail(request: SearchRequest, search: SearchPlan) -> dict[str, Any]:
    """What the audit log keeps for a search: who, why, which case, what was asked (and
    how it was read). Never the results: the log must not become a copy of the reads."""
    area = search.area
    return {
        "user": request.user,
        "purpose": request.purpose,
        "case_number": request.case_number,
        "query": {
            "plate": request.plate,
            "mode": str(request.mode),
            "reader_id": request.reader_id,
            "area": None if area is None else [area.south, area.west, area.north, area.east],
            "start": search.start.isoformat(),
            "end": search.end.isoformat(),
            "lookups": len(search.lookups),
        },
    }
