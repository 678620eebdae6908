"""Shared domain types of license-plate reads: a read as a camera's recogniser reported it,
a hotlist entry, and a hit joining the two.

Pure values (no AWS, no I/O). Every vendor payload is normalised into one `Read`
(rtcc.lpr.reads); every hotlist format into `HotlistEntry` rows (rtcc.lpr.hotlists); the
matcher (rtcc.lpr.matching) answers `Hit`s. No recognition model lives here: reads come
from the cameras' own recognisers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


def _aware(name: str, value: datetime | None) -> None:
    # Comparing naive with aware times raises at run time, and a read's time decides its
    # retention: refuse naive ones at the edge.
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name}: a timezone-aware time is required")


@dataclass(frozen=True)
class Candidate:
    """One of a recogniser's top-N guesses for a plate (OpenALPR `candidates`)."""

    plate: str
    confidence: float | None = None  # 0..100 as vendors report it; None when not given


@dataclass(frozen=True)
class Read:
    source_id: str  # the registered source (vendor integration) that posted it
    read_id: str  # the source's own id for the read: (source_id, read_id) de-duplicates
    plate: str  # the best guess, as reported (canonicalised by rtcc.lpr.plates when matched)
    seen_at: datetime
    state: str | None = None  # two-letter region ("MA", "CA") when the recogniser gives one
    confidence: float | None = None
    candidates: tuple[Candidate, ...] = ()  # the other guesses, best first (the plate included)
    camera_id: str | None = None  # the reader (fixed or mobile) that saw it
    lat: float | None = None
    lon: float | None = None
    image_ref: str | None = None  # the vendor's reference to its image; rtcc keeps no image
    vendor: str = "generic"  # which shape it arrived in: "openalpr", "flock", "generic"

    def __post_init__(self) -> None:
        _aware("seen_at", self.seen_at)

    def plates(self) -> tuple[str, ...]:
        """The best guess first, then each other candidate once."""
        seen = dict.fromkeys([self.plate, *(c.plate for c in self.candidates)])
        return tuple(seen)


@dataclass(frozen=True)
class Heartbeat:
    """A reader saying it is alive (OpenALPR `heartbeat`): no read, no match."""

    source_id: str
    camera_id: str
    at: datetime

    def __post_init__(self) -> None:
        _aware("at", self.at)


@dataclass(frozen=True)
class HotlistEntry:
    list_id: str  # the hotlist it belongs to ("stolen", "amber", a BOLO list ...)
    entry_id: str  # stable within the list (the import's diff compares these)
    plate: str  # as entered: full, or partial with wildcards ("*" any run, "?" one character)
    state: str | None = None
    reason: str = ""
    case_number: str | None = None
    priority: int = 50  # AutoVu's scale: 0 is the highest, 100 the lowest
    expires_at: datetime | None = None  # stops matching at this time
    entered_by: str | None = None
    attributes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        _aware("expires_at", self.expires_at)
        if not 0 <= self.priority <= 100:
            raise ValueError("priority: 0 (highest) to 100 (lowest)")


class MatchKind(StrEnum):
    EXACT = "exact"  # the candidate's canonical text equals the entry's
    OCR_EQUIVALENT = "ocr-equivalent"  # equal only once look-alikes (0/O/D/Q, 8/B ...) are one class
    WILDCARD = "wildcard"  # a partial entry's pattern matched


@dataclass(frozen=True)
class Hit:
    read: Read
    entry: HotlistEntry
    kind: MatchKind
    candidate: str  # which of the read's plates matched
    state_agrees: bool | None  # None when the read or the entry has no state


class RejectReason(StrEnum):
    """Why an officer rejected a hit (Genetec AutoVu's reject reasons, trimmed)."""

    MISREAD = "misread"
    STATE_MISMATCH = "state-mismatch"
    VEHICLE_MISMATCH = "vehicle-does-not-match"
    ENTRY_INVALID = "entry-no-longer-valid"
