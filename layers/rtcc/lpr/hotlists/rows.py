"""What every hotlist format shares: the entry id, a rejected row, field validation and
the duplicate check.

Entry id (what an import's diff compares): `nic:<NCIC number>` when the row has one (NCIC
keeps one record per number, and a plate can be on two records), else
`<canonical plate or pattern>:<state>` (`ABC123:MA`, `ABC123:` when no state), within one
list. Canonical, not OCR-collapsed: A8C123 and ABC123 are two plates an officer entered
on purpose; the matcher, not the id, treats them as look-alikes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from rtcc.lpr.plates import PlateError, canonical, canonical_pattern, is_pattern, state_code

if TYPE_CHECKING:  # delimited imports this module
    from rtcc.lpr.hotlists.delimited import Row
    from rtcc.lpr.model import HotlistEntry

#: A partial plate must keep this many plate characters: "A*" would hit a tenth of all
#: reads and bury the real hits (AutoVu allows at most two wildcards for the same reason).
MIN_PATTERN_CHARS = 3
_NIC = re.compile(r"[A-Z][0-9]{9}")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
#: Control characters (and Windows-1252 quotes read as Latin-1) never belong in a field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_FIELD = 200


class RowError(ValueError):
    """One row cannot be imported; the message says which field and why, never quoting
    the plate or NCIC number (the conventions keep plates out of log lines, and the line
    number already tells the uploader which row)."""


@dataclass(frozen=True)
class RejectedRow:
    line: int  # the file's line number (a BOLO batch: the item's 1-based position)
    reason: str


def entry_id(plate: str, state: str | None, nic: str | None = None) -> str:
    """The id of an entry whose plate is already canonical (see the module's doc)."""
    return f"nic:{nic}" if nic else f"{plate}:{state or ''}"


def plate_field(text: str, *, wildcards: bool) -> str:
    """The canonical plate, or pattern when `wildcards` allows a partial plate."""
    try:
        if not is_pattern(text):
            return canonical(text)
        if not wildcards:
            raise RowError("plate: wildcards are not allowed in this list")
        pattern = canonical_pattern(text)
    except PlateError as error:
        raise RowError(str(error)) from None
    if len(pattern.replace("*", "").replace("?", "")) < MIN_PATTERN_CHARS:
        raise RowError(f"plate: a partial plate needs at least {MIN_PATTERN_CHARS} plate characters")
    return pattern


def state_field(text: str | None) -> str | None:
    try:
        return state_code(text)
    except PlateError as error:
        raise RowError(str(error)) from None


def text_field(name: str, text: str | None, *, required: bool = False) -> str:
    value = (text or "").strip()
    if required and not value:
        raise RowError(f"{name}: required")
    if len(value) > MAX_FIELD:
        raise RowError(f"{name}: longer than {MAX_FIELD} characters")
    if not value.isprintable() and _CONTROL.search(value):  # isprintable: the C fast path
        raise RowError(f"{name}: control characters are not allowed")
    return value


def nic_field(text: str | None) -> str | None:
    value = (text or "").strip().upper()
    if value and not _NIC.fullmatch(value):
        raise RowError("NIC: one letter and nine digits expected (V123456789)")
    return value or None


def expiry_field(text: str | None, zone: tzinfo = UTC) -> datetime | None:
    """An expiry: ISO 8601 (a time without an offset is in `zone`), or a date alone
    (YYYY-MM-DD or AutoVu's MM/DD/YYYY) meaning the end of that day in `zone`."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        day = _day(value)
        if day is not None:
            return datetime.combine(day + timedelta(days=1), time(), zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"expiry {value!r}: not a date (YYYY-MM-DD, MM/DD/YYYY or ISO 8601)") from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=zone)


def _day(value: str) -> date | None:
    us = _US_DATE.fullmatch(value)
    if us:
        return date(int(us[3]), int(us[1]), int(us[2]))
    return date.fromisoformat(value) if len(value) == 10 else None


class FirstSeen:
    """Duplicate ids within one file: the second is rejected naming the first's line.
    Keeps one id per accepted row (the list itself is that big anyway)."""

    def __init__(self) -> None:
        self._lines: dict[str, int] = {}

    def claim(self, entry_id: str, line: int) -> None:
        first = self._lines.setdefault(entry_id, line)
        if first != line:
            raise RowError(f"duplicate of line {first}")


def entries_of(
    rows: Iterable[Row | RejectedRow], to_entry: Callable[[Row], HotlistEntry]
) -> Iterator[HotlistEntry | RejectedRow]:
    """Each row as its entry, or rejected with its line and reason: rows the reader refused
    pass through, a row `to_entry` refuses (RowError) and a repeated entry id (naming the
    first one's line) are rejected. Every format's parser ends in this."""
    seen = FirstSeen()
    for row in rows:
        if isinstance(row, RejectedRow):
            yield row
            continue
        try:
            entry = to_entry(row)
            seen.claim(entry.entry_id, row.line)
            yield entry
        except RowError as error:
            yield RejectedRow(row.line, str(error))
