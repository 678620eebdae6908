"""Manual BOLO ("be on the lookout") entries, typed by an officer in the console.

A BOLO is often a witness's partial plate, so wildcards are allowed ("*" any run, "?" one
character, at least MIN_PATTERN_CHARS plate characters), validated by the same rules as a
file row. Fields (BoloInput): plate, state (optional; a known code when given), reason
and case number (required: a BOLO answers to an incident), priority (0 highest .. 100),
expires_at (required, timezone-aware, after now and at most max_days ahead: a BOLO nobody
ends must not watch for a car forever), entered_by (required: who asked for it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from rtcc.lpr.hotlists.rows import (
    FirstSeen,
    RejectedRow,
    RowError,
    entry_id,
    plate_field,
    state_field,
    text_field,
)
from rtcc.lpr.model import HotlistEntry

#: The longest a BOLO may run before someone renews it.
DEFAULT_MAX_DAYS = 90


class BoloInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    plate: str = Field(description="full plate, or partial: * any run, ? one character")
    state: str | None = Field(None, description="two-letter state, territory or province code")
    reason: str = Field(description="why the vehicle is wanted")
    case_number: str = Field(description="the incident it belongs to")
    priority: int = Field(50, ge=0, le=100, description="0 highest .. 100 lowest (AutoVu's scale)")
    expires_at: AwareDatetime = Field(description="when it stops matching")
    entered_by: str = Field(description="the user who entered it")


def bolo_entry(
    data: Mapping[str, Any], *, list_id: str, now: datetime, max_days: int = DEFAULT_MAX_DAYS
) -> HotlistEntry:
    """One BOLO as a HotlistEntry; RowError names the field and what is wrong with it."""
    try:
        bolo = BoloInput.model_validate(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "entry"
        raise RowError(f"{where}: {first['msg']}") from None
    if bolo.expires_at <= now:
        raise RowError("expires_at: already past")
    if bolo.expires_at > now + timedelta(days=max_days):
        raise RowError(f"expires_at: more than {max_days} days ahead")
    plate = plate_field(bolo.plate, wildcards=True)
    state = state_field(bolo.state)
    return HotlistEntry(
        list_id=list_id,
        entry_id=entry_id(plate, state),
        plate=plate,
        state=state,
        reason=text_field("reason", bolo.reason, required=True),
        case_number=text_field("case_number", bolo.case_number, required=True),
        priority=bolo.priority,
        expires_at=bolo.expires_at,
        entered_by=text_field("entered_by", bolo.entered_by, required=True),
    )


def parse_bolo(
    items: Iterable[Mapping[str, Any]], *, list_id: str, now: datetime, max_days: int = DEFAULT_MAX_DAYS
) -> Iterator[HotlistEntry | RejectedRow]:
    """Each item as a HotlistEntry or a RejectedRow whose `line` is the item's 1-based position."""
    seen = FirstSeen()
    for position, item in enumerate(items, start=1):
        try:
            if not isinstance(item, Mapping):
                raise RowError("entry: an object expected")
            entry = bolo_entry(item, list_id=list_id, now=now, max_days=max_days)
            seen.claim(entry.entry_id, position)
            yield entry
        except RowError as error:
            yield RejectedRow(position, str(error))
