"""What every read must satisfy, whatever shape it arrived in.

A vendor adapter (rtcc.lpr.read_shapes) turns a payload into a `Read`; these checks then
apply the same rules to all of them: plates and candidates in A-Z/0-9 (rtcc.lpr.plates, so a
read is refused by the same rule a hotlist entry is), a known state, a time that is neither
in the future (beyond a clock skew) nor older than the retention (a read that would be
deleted on arrival must not be stored, nor match), and a position given whole or not at all.

A problem is raised as `FieldProblem` naming the PAYLOAD's field ("best_plate_number",
"results[1].plate"), not the Read attribute, so the sender reads an answer in its own terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from rtcc.lpr.model import Read
from rtcc.lpr.plates import PlateError, canonical, state_code

#: How far ahead of our clock a read's time may be: camera clocks drift, a read "from the
#: future" beyond this is a wrong clock or a forgery, and its retention would be wrong.
DEFAULT_FUTURE_SKEW = timedelta(minutes=5)


class FieldProblem(ValueError):
    """One field of one payload item that cannot be accepted, and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class ReadWindow:
    """The times a read may carry: from `now - retention` to `now + future_skew`."""

    now: datetime
    retention: timedelta
    future_skew: timedelta = DEFAULT_FUTURE_SKEW

    def __post_init__(self) -> None:
        # Reads carry aware times; a naive clock would raise mid-batch on the first compare.
        if self.now.utcoffset() is None:
            raise ValueError("now: a timezone-aware time is required")


def _reason(error: PlateError) -> str:
    # plates' messages start with its own name for the value ("plate: ..."); the caller
    # names the payload's field instead.
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def state_of(field: str, text: str | None) -> str | None:
    """A state code upper-cased, None when not given; an unknown code is refused (a typo
    must not become "no state": it decides whether a hit's state agrees)."""
    try:
        return state_code(text)
    except PlateError as error:
        raise FieldProblem(field, _reason(error)) from None


def check_time(field: str, moment: datetime, window: ReadWindow) -> None:
    if moment > window.now + window.future_skew:
        raise FieldProblem(field, f"in the future (more than {window.future_skew} ahead of the server clock)")
    if moment < window.now - window.retention:
        raise FieldProblem(field, f"older than the retention ({window.retention.days} days)")


def check_read(read: Read, window: ReadWindow, names: Mapping[str, str]) -> None:
    """Raise FieldProblem for the first rule `read` breaks; `names` maps Read attributes
    (plate, candidates, seen_at, lat, lon) to the payload's field names."""
    for attribute, plate in [("plate", read.plate)] + [
        (f"{names.get('candidates', 'candidates')}[{i}].plate", c.plate)
        for i, c in enumerate(read.candidates)
    ]:
        try:
            canonical(plate)
        except PlateError as error:
            raise FieldProblem(names.get(attribute, attribute), _reason(error)) from None
    check_time(names.get("seen_at", "seen_at"), read.seen_at, window)
    if (read.lat is None) != (read.lon is None):
        missing = "lon" if read.lon is None else "lat"
        raise FieldProblem(names.get(missing, missing), "a position needs both lat and lon")
