"""NCIC-style vehicle extracts: a delimited file whose header names NCIC field codes.

The codes are NCIC's own vehicle-file field identifiers (the field list is public, e.g.
the Wisconsin DOJ TIME System "Glossary of NCIC Vehicle Field Codes",
http://www.doj.state.wi.us/dles/cibmanuals/files/TIME/HTML/glossaryofncicvehiclefieldcodes.htm).
A state's hot-file extract carries a subset of them, one record per line. rtcc accepts
exactly these columns, in any order, header line required (codes case-insensitive):

    LIC  license plate number (required)    LIS  license plate state (required per row)
    LIY  plate year of expiration (YYYY, or NX for non-expiring)
    LIT  license plate type (two letters, e.g. PC)
    NIC  NCIC number (a letter and nine digits): the entry's id when present
    OCA  originating agency case number -> the entry's case number
    ORI  originating agency identifier      MKE  message key (record type)
    DOT  date of theft                      MIS  miscellaneous
    VIN VYR VMA VMO VST VCO  vehicle identification number, year, make, model, style, color
    CATEGORY  (not an NCIC code) the extract's reason, e.g. "Stolen Vehicle"; else the list's
    EXPIRES   (not an NCIC code) when the entry stops matching

A column outside this set refuses the file (HotlistFormatError naming it): a misspelt LIC
must not import a list of nothing. Everything but LIC, LIS, OCA, CATEGORY and EXPIRES is
kept as an attribute under its code. No wildcards: NCIC records carry full plates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import BinaryIO

from rtcc.lpr.hotlists.delimited import ImportOptions, Row, delimited_rows
from rtcc.lpr.hotlists.lines import HotlistFormatError, read_lines
from rtcc.lpr.hotlists.rows import (
    RejectedRow,
    RowError,
    entries_of,
    entry_id,
    expiry_field,
    nic_field,
    plate_field,
    state_field,
    text_field,
)
from rtcc.lpr.model import HotlistEntry

ATTRIBUTE_CODES = ("LIY", "LIT", "NIC", "ORI", "MKE", "DOT", "MIS", "VIN", "VYR", "VMA", "VMO", "VST", "VCO")
COLUMNS = frozenset({"LIC", "LIS", "OCA", "CATEGORY", "EXPIRES", *ATTRIBUTE_CODES})
_LIY = re.compile(r"\d{4}|NX")
_LIT = re.compile(r"[A-Z]{2}")


def _header(fields: list[str]) -> list[str]:
    names = [name.strip().upper() for name in fields]
    if "LIC" not in names:
        raise HotlistFormatError("NCIC extract: the first line must name the columns, LIC among them")
    unknown = sorted(set(names) - COLUMNS)
    if unknown:
        raise HotlistFormatError(f"NCIC extract: unknown columns {', '.join(unknown)}")
    if len(set(names)) != len(names):
        raise HotlistFormatError("NCIC extract: a column is named twice")
    return names


def parse_ncic(
    source: BinaryIO | Iterable[bytes], options: ImportOptions
) -> Iterator[HotlistEntry | RejectedRow]:
    """Each record as a HotlistEntry or a RejectedRow (line number, reason), in file order."""
    options = replace(options, wildcards=False)
    lines = read_lines(source, max_bytes=options.max_bytes, encoding=options.encoding)
    rows = delimited_rows(lines, options.delimiter, _header, ())
    yield from entries_of(rows, lambda row: _entry(row, options))


def _entry(row: Row, options: ImportOptions) -> HotlistEntry:
    fields = row.fields
    plate = plate_field(fields.get("LIC", ""), wildcards=False)
    state = state_field(fields.get("LIS"))
    if state is None:
        raise RowError("LIS: required (NCIC records name the plate's state)")
    nic = nic_field(fields.get("NIC"))
    return HotlistEntry(
        list_id=options.list_id,
        entry_id=entry_id(plate, state, nic),
        plate=plate,
        state=state,
        reason=text_field("CATEGORY", fields.get("CATEGORY")) or options.reason,
        case_number=text_field("OCA", fields.get("OCA")) or None,
        priority=options.priority,
        expires_at=expiry_field(fields.get("EXPIRES"), options.zone),
        attributes=_attributes(fields, nic),
    )


def _attributes(fields: dict[str, str], nic: str | None) -> dict[str, str]:
    found = {code: text_field(code, fields.get(code)) for code in ATTRIBUTE_CODES}
    found = {
        code: value.upper() if code in ("LIY", "LIT") else value for code, value in found.items() if value
    }
    if "LIY" in found and not _LIY.fullmatch(found["LIY"]):
        raise RowError(f"LIY {found['LIY']!r}: a year (YYYY) or NX expected")
    if "LIT" in found and not _LIT.fullmatch(found["LIT"]):
        raise RowError(f"LIT {found['LIT']!r}: a two-letter plate type code expected")
    if nic:
        found["NIC"] = nic
    return found
