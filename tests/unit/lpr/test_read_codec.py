"""rtcc.lpr.read_codec: a Read survives the stored JSON exactly; stored text that is not a
read is refused with ReadCodecError, never guessed into one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtcc.lpr.model import Candidate, Read
from rtcc.lpr.read_codec import ReadCodecError, read_from_json, read_to_json

FULL = Read(
    source_id="src1",
    read_id="r-1",
    plate="ABC123",
    seen_at=datetime(2026, 3, 1, 12, 30, 5, 250000, tzinfo=timezone(timedelta(hours=-5))),
    state="MA",
    confidence=91.5,
    candidates=(Candidate("ABC123", 91.5), Candidate("A8C123", None)),
    camera_id="cam-7",
    lat=42.36,
    lon=-71.06,
    image_ref="https://vendor.example/img/1",
    vendor="openalpr",
)


def test_a_full_read_round_trips() -> None:
    back = read_from_json(read_to_json(FULL))
    assert back == FULL
    assert back.seen_at.utcoffset() == timedelta(hours=-5)


def test_a_minimal_read_round_trips_and_leaves_out_empty_fields() -> None:
    read = Read("s", "r", "XYZ9", datetime(2026, 1, 1, tzinfo=UTC))
    text = read_to_json(read)
    assert "state" not in text and "candidates" not in text
    assert read_from_json(text) == read


def test_the_same_read_always_encodes_to_the_same_text() -> None:
    assert read_to_json(FULL) == read_to_json(read_from_json(read_to_json(FULL)))


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"read_id":"r","plate":"A","seen_at":"2026-01-01T00:00:00+00:00"}',
        '{"source_id":"s","read_id":"r","plate":"A","seen_at":"2026-01-01T00:00:00"}',
        '{"source_id":"s","read_id":"r","plate":"A","seen_at":"yesterday"}',
        '{"source_id":"s","read_id":"r","plate":"A","seen_at":"2026-01-01T00:00:00Z","candidates":[1]}',
    ],
)
def test_what_is_not_a_stored_read_is_refused(text: str) -> None:
    with pytest.raises(ReadCodecError):
        read_from_json(text)


def test_the_error_never_quotes_the_plate() -> None:
    with pytest.raises(ReadCodecError) as caught:
        read_from_json('{"source_id":"s","read_id":"r","plate":"SECRET1","seen_at":"SECRET1"}')
    assert "SECRET1" not in str(caught.value)


@given(
    plate=st.text(min_size=1, max_size=10),
    seconds=st.integers(min_value=0, max_value=2_000_000_000),
    confidence=st.none() | st.floats(min_value=0, max_value=100),
    offset=st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_any_read_round_trips(plate: str, seconds: int, confidence: float | None, offset: int) -> None:
    tz = timezone(timedelta(minutes=offset))
    read = Read(
        "s",
        "r",
        plate,
        datetime.fromtimestamp(seconds, tz),
        confidence=confidence,
        candidates=(Candidate(plate, confidence),),
    )
    assert read_from_json(read_to_json(read)) == read
