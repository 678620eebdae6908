"""Hotlists in (issue 11): AutoVu files, NCIC-style extracts and manual BOLO entries parsed
into HotlistEntry rows, streamed in bounded memory, each bad row rejected with its line
number and reason; an import is a diff against the list's previous version.

- lines: the upload as numbered lines (byte budget, one encoding per file, CRLF)
- delimited: delimiter detection, header, fields; ImportOptions
- rows: entry id, RejectedRow, field validation, duplicates
- autovu / ncic / bolo: the three formats
- diff: ImportDiff by entry id;  store: the HotlistStore port and import_hotlist
"""

from rtcc.lpr.hotlists.autovu import parse_autovu
from rtcc.lpr.hotlists.bolo import BoloInput, bolo_entry, parse_bolo
from rtcc.lpr.hotlists.delimited import DEFAULT_MAX_BYTES, ImportOptions
from rtcc.lpr.hotlists.diff import ImportDiff, diff
from rtcc.lpr.hotlists.lines import HotlistFormatError, HotlistTooLarge
from rtcc.lpr.hotlists.ncic import parse_ncic
from rtcc.lpr.hotlists.rows import RejectedRow, RowError, entry_id
from rtcc.lpr.hotlists.store import ConcurrentImport, HotlistStore, InMemoryHotlistStore, import_hotlist

#: The file formats an upload may name (the console's choice, `rtcc lpr import --format`).
PARSERS = {"autovu": parse_autovu, "ncic": parse_ncic}

__all__ = [
    "PARSERS",
    "DEFAULT_MAX_BYTES",
    "BoloInput",
    "ConcurrentImport",
    "HotlistFormatError",
    "HotlistStore",
    "HotlistTooLarge",
    "ImportDiff",
    "ImportOptions",
    "InMemoryHotlistStore",
    "RejectedRow",
    "RowError",
    "bolo_entry",
    "diff",
    "entry_id",
    "import_hotlist",
    "parse_autovu",
    "parse_bolo",
    "parse_ncic",
]
