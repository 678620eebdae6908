"""rtcc.lpr.hotlists.bolo: manual BOLO entries, validated like file rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.lpr.hotlists import RejectedRow, RowError, bolo_entry, parse_bolo
from rtcc.lpr.model import HotlistEntry

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BOLO = {
    "plate": "7ab-*",
    "state": "ma",
    "reason": "Hit and run, grey sedan",
    "case_number": "26-004512",
    "priority": 5,
    "expires_at": "2026-12-08T12:00:00Z",
    "entered_by": "sgt.rivera",
}


def test_a_partial_plate_bolo_becomes_an_entry() -> None:
    entry = bolo_entry(BOLO, list_id="bolo", now=NOW)
    assert entry == HotlistEntry(
        list_id="bolo",
        entry_id="7AB*:MA",
        plate="7AB*",
        state="MA",
        reason="Hit and run, grey sedan",
        case_number="26-004512",
        priority=5,
        expires_at=datetime(2026, 12, 8, 12, tzinfo=UTC),
        entered_by="sgt.rivera",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"plate": "7A*"}, "at least 3 plate characters"),
        ({"plate": "7A#B"}, "illegal characters '#'"),
        ({"state": "XX"}, "unknown code 'XX'"),
        ({"reason": "  "}, "reason: required"),
        ({"case_number": None}, "case_number"),
        ({"entered_by": ""}, "entered_by: required"),
        ({"priority": 101}, "priority"),
        ({"expires_at": "2026-12-08T12:00:00"}, "expires_at"),  # no offset
        ({"expires_at": "2026-11-30T12:00:00Z"}, "expires_at: already past"),
        ({"expires_at": "2027-06-01T12:00:00Z"}, "more than 90 days"),
        ({"colour": "red"}, "colour"),  # unknown fields are refused, not ignored
    ],
)
def test_a_bad_bolo_names_the_field(change: dict, message: str) -> None:
    with pytest.raises(RowError, match=message):
        bolo_entry(BOLO | change, list_id="bolo", now=NOW)


def test_a_batch_rejects_items_by_position_and_duplicates() -> None:
    later = (NOW + timedelta(days=1)).isoformat()
    items = [BOLO, BOLO | {"plate": "ZZ?"}, BOLO | {"plate": "7AB*", "expires_at": later}, "not an object"]
    out = list(parse_bolo(items, list_id="bolo", now=NOW))
    assert isinstance(out[0], HotlistEntry)
    assert isinstance(out[1], RejectedRow) and out[1].line == 2
    assert out[2] == RejectedRow(3, "duplicate of line 1")
    assert out[3] == RejectedRow(4, "entry: an object expected")
