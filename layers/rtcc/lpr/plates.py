"""Plate text and state codes: the one place that decides what a plate "is".

Readers, hotlist files and officers write the same plate differently ("abc-123", "ABC 123",
"ABC.123"), and recognisers confuse look-alike glyphs (0/O, 8/B ...). Two keys come out of a
plate: the canonical key (upper-case, separators removed) that an exact match compares, and the
OCR key (each look-alike class collapsed to one character) that an OCR-equivalent match
compares. Every module (reads, hotlists, matching, search) uses these functions, so a plate
stored by one is found by another.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from operator import methodcaller

#: Separators people and vendors put inside plates; they carry no identity.
SEPARATORS = " -.\t"
#: The longest plate we accept, separators removed. US plates run to 8 characters and
#: Canadian ones to 8; vanity and trailer formats seen in NCIC extracts stay under 10.
MAX_PLATE_LENGTH = 10
#: Wildcards of a partial plate (manual BOLO entries): "*" any run (also empty), "?" one character.
ANY_RUN, ONE_CHAR = "*", "?"

#: Look-alike classes: a recogniser confuses the members of one class with each other, so
#: they share one OCR-key character (the first of each class).
OCR_CLASSES: tuple[str, ...] = ("0ODQ", "1I", "2Z", "5S", "8B", "6G")
_OCR_TABLE = str.maketrans({member: group[0] for group in OCR_CLASSES for member in group[1:]})
_STRIP_TABLE = str.maketrans("", "", SEPARATORS)
# The same collapse over bytes, for the matcher's batch path (canonical keys are ASCII).
_LOOK_ALIKES = "".join(member for group in OCR_CLASSES for member in group[1:])
_CLASS_OF = "".join(group[0] for group in OCR_CLASSES for _ in group[1:])
_collapse_bytes = methodcaller("translate", bytes.maketrans(_LOOK_ALIKES.encode(), _CLASS_OF.encode()))
_PLATE = re.compile(r"[A-Z0-9]+")
_PATTERN = re.compile(r"[A-Z0-9*?]+")

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)
#: Territories issue their own plates (PR, GU, VI, AS, MP).
US_TERRITORIES = frozenset("PR GU VI AS MP".split())
CANADIAN_PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
STATE_CODES = US_STATES | US_TERRITORIES | CANADIAN_PROVINCES


class PlateError(ValueError):
    """A plate or state that cannot be used; the message says what is wrong with it."""


def _stripped(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise PlateError(f"{what}: text expected, got {type(text).__name__}")
    stripped = text.translate(_STRIP_TABLE)
    if not stripped.isascii():
        # Checked before upper-casing: "ß".upper() is "SS" and "ﬁ".upper() is "FI", which
        # would turn a character no plate carries into valid plate text.
        foreign = "".join(sorted({c for c in stripped if not c.isascii()}))
        raise PlateError(f"{what}: illegal characters {foreign!r} (A-Z and 0-9 only)")
    stripped = stripped.upper()
    if not stripped:
        raise PlateError(f"{what}: empty")
    if len(stripped.replace(ANY_RUN, "")) > MAX_PLATE_LENGTH:
        raise PlateError(f"{what}: longer than {MAX_PLATE_LENGTH} characters")
    return stripped


def _illegal(stripped: str, allowed: re.Pattern[str]) -> str:
    return "".join(sorted({c for c in stripped if not allowed.fullmatch(c)}))


def canonical(text: str) -> str:
    """The exact key: upper-case, spaces, dashes and dots removed; only A-Z and 0-9 allowed.
    Raises PlateError naming the illegal characters (wildcards included: a read is never partial)."""
    stripped = _stripped(text, "plate")
    if not _PLATE.fullmatch(stripped):
        raise PlateError(f"plate: illegal characters {_illegal(stripped, _PLATE)!r} (A-Z and 0-9 only)")
    return stripped


def ocr_key(text: str) -> str:
    """The OCR-equivalence key: the canonical key (or pattern) with each look-alike class
    collapsed to one character; wildcards pass through unchanged."""
    return collapse(canonical_pattern(text) if is_pattern(text) else canonical(text))


def collapse(key: str) -> str:
    """The look-alike collapse alone, for text already canonical (the matcher's hot path)."""
    return key.translate(_OCR_TABLE)


def collapse_many(keys: list[str]) -> list[str]:
    """`collapse` of each canonical key (ASCII letters and digits, or "", by construction):
    the whole batch joined, translated over bytes and split again, a handful of C calls
    instead of three per key (a str.translate with a mapping table costs four times more)."""
    if not keys:
        return []
    return _collapse_bytes("\n".join(keys).encode("ascii")).decode("ascii").split("\n")


def canonical_pattern(text: str) -> str:
    """A partial plate (BOLO) as a pattern: canonical characters plus "*" and "?"; runs of
    "*" collapse to one. A pattern must keep at least one plate character ("*" alone would
    match every read)."""
    stripped = _stripped(text, "pattern")
    if not _PATTERN.fullmatch(stripped):
        raise PlateError(f"pattern: illegal characters {_illegal(stripped, _PATTERN)!r} (A-Z, 0-9, * and ?)")
    pattern = re.sub(r"\*+", ANY_RUN, stripped)
    if not pattern.strip(ANY_RUN + ONE_CHAR):
        raise PlateError("pattern: needs at least one plate character")
    return pattern


def is_pattern(text: str) -> bool:
    """True when the text holds a wildcard (a partial plate)."""
    return ANY_RUN in text or ONE_CHAR in text


def equivalent(a: str, b: str) -> bool:
    """True when two plates read the same once separators and look-alikes are ignored."""
    return ocr_key(canonical(a)) == ocr_key(canonical(b))


def state_code(text: str | None, *, required: bool = False, strict: bool = True) -> str | None:
    """A two-letter US state, territory or Canadian province code, upper-cased.

    Empty or None answers None (no state given) unless `required`. An unknown code raises
    PlateError (a typo must not silently become "no state") unless the caller passes
    strict=False: a recogniser's region guess ("us-xx") is then dropped to None, since a read
    is worth keeping without its state while a hotlist row or a search is not."""
    if text is None or not str(text).strip():
        if required:
            raise PlateError("state: required")
        return None
    code = str(text).strip().upper()
    if code in STATE_CODES:
        return code
    if not strict and not required:
        return None
    raise PlateError(f"state: unknown code {code!r} (US states, territories, Canadian provinces)")


def canonical_many(texts: list[str]) -> list[str]:
    """`canonical` of each text, "" for one that is not a plate: the matcher's batch path.

    Recognisers report plates as bare letters and digits, so nearly every batch is clean:
    that case runs in C (str methods mapped over the list); a batch holding anything else
    (separators, junk, non-text) falls back to one `canonical` call per text."""
    try:
        joined = "".join(texts)  # one C pass checks them all: ASCII letters and digits only
        clean = joined.isascii() and joined.isalnum() and all(texts)
    except TypeError:
        clean = False  # not all text: one by one, each error caught
    if clean and max(map(len, texts), default=0) <= MAX_PLATE_LENGTH:
        # No text holds a newline (all alphanumeric), so joining on one and splitting keeps them apart.
        return "\n".join(texts).upper().split("\n")
    return [_canonical_or_blank(t) for t in texts]


def _canonical_or_blank(text: object) -> str:
    try:
        return canonical(text)  # type: ignore[arg-type]
    except PlateError:
        return ""
