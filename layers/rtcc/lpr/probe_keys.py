"""Probe keys as strings: where an entry is filed, and which keys a candidate probes.

The same filing rule as rtcc.lpr.index_tables (one slice of at most KEY_CHARS plate
characters per partial plate; a full plate under its whole OCR key), spelled as text so
a key can name a DynamoDB item (rtcc.lpr.keyed_hotlists): an entry is stored under
`file_key`, and a candidate reads the items `probe_keys` names for the list's shapes. So a
match reads a bounded number of keys (1 + the shapes registered for its length), never the
entries, whatever the list holds.

Shapes (what a list head records for its version's partial plates):
- `p`: a full plate, keyed by its whole OCR key;
- `f<n>.<start>.<size>`: a "?"-only pattern of length n, its longest run at a fixed place;
- `a<k>` / `z<k>`: a "*" pattern anchored at the start / end, its first / last k characters;
- `r<k>`: "*" at both ends, its longest inner run of k characters, wherever it sits.
A key is `<shape>:<slot>` (slots are OCR-collapsed A-Z0-9, never a ':').
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rtcc.lpr.plates import ANY_RUN, canonical, canonical_pattern, collapse, is_pattern

#: As rtcc.lpr.index_tables.KEY_CHARS (a test holds them equal).
KEY_CHARS = 3
FULL = "p"
_RUNS = re.compile(r"[^*?]+")
_WILD = re.compile(r"[*?]")


def _longest_run(pattern: str) -> tuple[int, str]:
    """(start, text) of the longest run of plate characters, leftmost on a tie."""
    runs = [(m.start(), m.group()) for m in _RUNS.finditer(pattern)]
    return min(runs, key=lambda run: (-len(run[1]), run[0]))


def pattern_key(pattern: str) -> tuple[str, str]:
    """(shape, slot) of a canonical, OCR-collapsed pattern (index_tables' filing rule)."""
    prefix = _WILD.split(pattern, maxsplit=1)[0]
    suffix = _WILD.split(pattern)[-1]
    if ANY_RUN not in pattern:
        start, run = _longest_run(pattern)
        slot = run[:KEY_CHARS]
        return f"f{len(pattern)}.{start}.{len(slot)}", slot
    if len(prefix) >= len(suffix) and prefix:
        slot = prefix[:KEY_CHARS]
        return f"a{len(slot)}", slot
    if suffix:
        slot = suffix[-KEY_CHARS:]
        return f"z{len(slot)}", slot
    slot = _longest_run(pattern)[1][:KEY_CHARS]
    return f"r{len(slot)}", slot


def file_key(plate: str) -> tuple[str, str]:
    """(shape, slot) an entry's plate (full or partial) is filed under; PlateError for text
    that is no plate."""
    if is_pattern(plate):
        return pattern_key(collapse(canonical_pattern(plate)))
    return FULL, collapse(canonical(plate))


def key_text(shape: str, slot: str) -> str:
    return f"{shape}:{slot}"


def _slots(shape: str, ocr: str) -> Iterable[str]:
    n, kind = len(ocr), shape[0]
    if kind == "f":
        size, start, k = (int(part) for part in shape[1:].split("."))
        return (ocr[start : start + k],) if size == n else ()
    k = int(shape[1:])
    if k > n:
        return ()
    if kind == "a":
        return (ocr[:k],)
    if kind == "z":
        return (ocr[-k:],)
    return dict.fromkeys(ocr[i : i + k] for i in range(n - k + 1))  # "r": every position, once


def probe_keys(ocr: str, shapes: Iterable[str]) -> list[str]:
    """The keys a candidate (its OCR key: rtcc.lpr.plates.collapse of canonical) probes in
    a list whose partial plates use `shapes`: its full-plate key, then one key per slot each
    shape takes from a candidate of this length. Empty for an empty (junk) candidate."""
    if not ocr:
        return []
    keys = [key_text(FULL, ocr)]
    for shape in shapes:
        keys.extend(key_text(shape, slot) for slot in _slots(shape, ocr))
    return list(dict.fromkeys(keys))
