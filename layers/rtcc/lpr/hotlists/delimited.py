"""Delimited hotlist text: the delimiter, an optional header line, fields per row.

AutoVu accepts semicolon (its default), comma, tab and colon delimiters (Security Center
Administrator Guide, "Creating hotlists"). Unless the caller names one, the delimiter is
detected once, from the file's first non-blank line: the candidate occurring most often
there, ties going to the order of DELIMITERS; a line with none (a lone plate) means ";".
A first line `sep=X` (Excel writes it into CSV files for locales whose delimiter is ";")
names the delimiter and is not a row.
Fields are split with the csv module, one line at a time, so a quoted comma stays in its
field; a row spanning lines is not supported (hotlist fields hold no newlines).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from rtcc.lpr.hotlists.lines import Line
from rtcc.lpr.hotlists.rows import RejectedRow, RowError

DELIMITERS = (";", "\t", ",", ":")
#: 64 MiB: about two million AutoVu rows; the deployment's setting overrides it.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ImportOptions:
    list_id: str
    max_bytes: int = DEFAULT_MAX_BYTES
    priority: int = 50  # the list's priority (AutoVu sets it per list): 0 highest, 100 lowest
    reason: str = ""  # the list's category, for rows that give none
    encoding: str | None = None  # None: detected (see rtcc.lpr.hotlists.lines)
    zone: tzinfo = UTC  # for expiry dates without an offset
    delimiter: str | None = None  # None: detected
    wildcards: bool = False  # partial plates allowed (an AutoVu wildcard list, a BOLO list)
    columns: Sequence[str] = field(default=())  # names for a file without a header line

    def __post_init__(self) -> None:
        # Checked once here, so a bad option fails the import up front rather than as an
        # exception from the middle of a million-row stream.
        if not 0 <= self.priority <= 100:
            raise ValueError("priority: 0 (highest) to 100 (lowest)")
        if self.max_bytes <= 0:
            raise ValueError("max_bytes: a positive byte budget")
        if self.delimiter is not None and self.delimiter not in DELIMITERS:
            raise ValueError(f"delimiter: one of {DELIMITERS!r}")
        if not self.list_id.strip():
            raise ValueError("list_id: required")


@dataclass(frozen=True)
class Row:
    line: int
    fields: dict[str, str]  # column name -> raw value ("" when the row is short)
    delimiter: str  # the file's, given or detected (for the wrong-delimiter hint)


def detect_delimiter(text: str) -> str:
    best = max(DELIMITERS, key=text.count)
    return best if text.count(best) else ";"


def split(text: str, delimiter: str) -> list[str]:
    if '"' not in text:
        return text.split(delimiter)  # no quoting: what csv would answer, several times faster
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise RowError(f"unreadable quoting: {error}") from None


def other_delimiter_hint(value: str, delimiter: str) -> str:
    """A hint when a field holds another delimiter: the usual sign of a wrong delimiter."""
    others = [d for d in DELIMITERS if d != delimiter and d in value]
    if not others:
        return ""
    return f" (the delimiter is {delimiter!r}: is this file {others[0]!r}-delimited?)"


@dataclass
class _Layout:
    delimiter: str
    columns: list[str]


def delimited_rows(
    lines: Iterable[Line],
    delimiter: str | None,
    header: Callable[[list[str]], list[str] | None],
    default_columns: Sequence[str],
) -> Iterator[Row | RejectedRow]:
    """Rows of a delimited file. `header(fields)` answers the column names when the first
    non-blank line is a header, else None (the line is data, `default_columns` name it)."""
    layout: _Layout | None = None
    for line in lines:
        if line.text is None:
            yield RejectedRow(line.number, line.problem or "unreadable")
            continue
        if not line.text.strip():
            continue  # a blank line holds no entry: nothing is dropped
        try:
            if layout is None and (excel := _excel_separator(line.text)):
                delimiter = delimiter or excel
                continue
            if layout is None:
                layout, was_header = _layout(line.text, delimiter, header, default_columns)
                if was_header:
                    continue
            yield _row(line, layout)
        except RowError as error:
            yield RejectedRow(line.number, str(error))


def _excel_separator(text: str) -> str | None:
    stripped = text.strip(" ")  # not strip(): "sep=\t" names the tab
    if stripped.lower().startswith("sep=") and stripped[4:] in DELIMITERS:
        return stripped[4:]
    return None


def _layout(
    text: str, delimiter: str | None, header: Callable[[list[str]], list[str] | None], default: Sequence[str]
) -> tuple[_Layout, bool]:
    """The file's layout from its first non-blank line, and whether that line is a header."""
    chosen = delimiter or detect_delimiter(text)
    named = header(split(text, chosen))
    return _Layout(chosen, list(named if named is not None else default)), named is not None


def _row(line: Line, layout: _Layout) -> Row:
    fields = split(line.text or "", layout.delimiter)
    if len(fields) > len(layout.columns):
        raise RowError(
            f"{len(fields)} fields, at most {len(layout.columns)} expected "
            f"({', '.join(layout.columns)}; delimiter {layout.delimiter!r})"
        )
    padded = fields + [""] * (len(layout.columns) - len(fields))  # "ABC123;" leaves the rest empty
    return Row(line.number, dict(zip(layout.columns, padded, strict=True)), layout.delimiter)
