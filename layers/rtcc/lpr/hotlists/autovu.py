"""Genetec AutoVu hotlist files: `PLATE;STATE` then attribute columns.

AutoVu's own rule is "the plate number followed by a semicolon, then the state if known"
(`ABC123;` and `ABC123;CA` are both valid: AutoVu Cloudrunner, "About hotlists"); Security
Center adds attribute columns configured per list, Category (the reason a plate is wanted)
and ExpiryDate among them. rtcc accepts:

- an optional header line whose first field names the plate column (PlateNumber, Plate,
  MatchPlate, LicensePlate): its names map the columns (PLATE/STATE/REASON/EXPIRY/CASE
  below, any other name kept as an attribute under that name);
- without a header, the columns named in ImportOptions.columns, else PlateNumber;
  PlateState; Category (more fields than that are rejected rather than guessed at);
- the delimiter given in ImportOptions or detected (rtcc.lpr.hotlists.delimited);
- wildcard plates only when the list allows them (an AutoVu wildcard hotlist).

The list's priority and default category come from ImportOptions (AutoVu sets them per list).
`write_autovu` writes a list back out in this layout (header, quoting where needed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import BinaryIO

from rtcc.lpr.hotlists.delimited import ImportOptions, Row, delimited_rows, other_delimiter_hint
from rtcc.lpr.hotlists.lines import read_lines
from rtcc.lpr.hotlists.rows import (
    RejectedRow,
    RowError,
    entries_of,
    entry_id,
    expiry_field,
    plate_field,
    state_field,
    text_field,
)
from rtcc.lpr.model import HotlistEntry

# Header names compare lower-cased without spaces or underscores ("Plate Number", "plate_number").
PLATE = frozenset({"platenumber", "plate", "matchplate", "licenseplate"})
STATE = frozenset({"platestate", "state", "province", "region"})
REASON = frozenset({"category", "reason"})
EXPIRY = frozenset({"expirydate", "expiry", "expires", "expiresat"})
CASE = frozenset({"casenumber", "case"})
DEFAULT_COLUMNS = ("PlateNumber", "PlateState", "Category")


def _header(fields: list[str]) -> list[str] | None:
    names = [name.strip() for name in fields]
    return names if names and _folded(names[0]) in PLATE else None


def _folded(name: str) -> str:
    return name.lower().replace(" ", "").replace("_", "")


def parse_autovu(
    source: BinaryIO | Iterable[bytes], options: ImportOptions
) -> Iterator[HotlistEntry | RejectedRow]:
    """Each row as a HotlistEntry or a RejectedRow (line number, reason), in file order.
    Raises HotlistTooLarge / HotlistFormatError for the whole file."""
    lines = read_lines(source, max_bytes=options.max_bytes, encoding=options.encoding)
    columns = options.columns or DEFAULT_COLUMNS
    rows = delimited_rows(lines, options.delimiter, _header, columns)
    yield from entries_of(rows, lambda row: _entry(row, options))


def _entry(row: Row, options: ImportOptions) -> HotlistEntry:
    named = _by_role(row.fields)
    raw_plate = named.get("plate", "")
    try:
        plate = plate_field(raw_plate, wildcards=options.wildcards)
    except RowError as error:
        raise RowError(f"{error}{other_delimiter_hint(raw_plate, row.delimiter)}") from None
    state = state_field(named.get("state"))
    return HotlistEntry(
        list_id=options.list_id,
        entry_id=entry_id(plate, state),
        plate=plate,
        state=state,
        reason=text_field("Category", named.get("reason")) or options.reason,
        case_number=text_field("case number", named.get("case")) or None,
        priority=options.priority,
        expires_at=expiry_field(named.get("expiry"), options.zone),
        attributes=_attributes(row.fields),
    )


@cache  # a file has a handful of column names and a million rows
def _role(column: str) -> str | None:
    lowered = _folded(column)
    for role, names in (
        ("plate", PLATE),
        ("state", STATE),
        ("reason", REASON),
        ("expiry", EXPIRY),
        ("case", CASE),
    ):
        if lowered in names:
            return role
    return None


def _by_role(fields: dict[str, str]) -> dict[str, str]:
    return {role: value for column, value in fields.items() if (role := _role(column))}


def _attributes(fields: dict[str, str]) -> dict[str, str]:
    """The columns rtcc has no role for, kept for the hit's annotation (AutoVu shows them)."""
    return {
        column: text_field(column, value)
        for column, value in fields.items()
        if _role(column) is None and value.strip()
    }


WRITTEN_COLUMNS = ("PlateNumber", "PlateState", "Category", "ExpiryDate", "CaseNumber")


def write_autovu(
    entries: Iterable[HotlistEntry], *, attributes: Sequence[str] = (), delimiter: str = ";"
) -> Iterator[str]:
    """A list as AutoVu text, one CRLF line at a time (header first), for an export or a
    Patroller: what parse_autovu reads back as the same entries. `attributes` names the
    attribute columns to write (an entry's others are left out). Expiry is ISO 8601."""
    out = _LineWriter(delimiter)
    yield out.line([*WRITTEN_COLUMNS, *attributes])
    for entry in entries:
        expiry = entry.expires_at.isoformat() if entry.expires_at else ""
        fixed = [entry.plate, entry.state or "", entry.reason, expiry, entry.case_number or ""]
        yield out.line([*fixed, *(entry.attributes.get(name, "") for name in attributes)])


class _LineWriter:
    """csv quoting (a field holding the delimiter or a quote is quoted), one line at a time."""

    def __init__(self, delimiter: str) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

    def line(self, fields: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(fields)
        return self._buffer.getvalue()
