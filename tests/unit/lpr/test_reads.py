"""rtcc.lpr.reads: every accepted shape normalised into Reads, with the vendor's own
reference payloads (../shared/reference-data/lpr/, skipped when absent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.lpr.model import Candidate
from rtcc.lpr.reads import BatchOutcome, Refusal, parse_reads

from tests.reference import reference_path

RETENTION = timedelta(days=30)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _reference(name: str) -> bytes:
    return reference_path("lpr", name).read_bytes()


def _parse(body: bytes | object, *, now: datetime = NOW, source_id: str = "src-1") -> BatchOutcome:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_reads(raw, source_id=source_id, now=now, retention=RETENTION)


def _epoch_now(ms: int) -> datetime:
    # The reference payloads are from 2019-2021: judge them as if they had just arrived.
    return datetime.fromtimestamp(ms / 1000, tz=UTC) + timedelta(seconds=30)


def test_real_alpr_group_capture_with_a_byte_order_mark() -> None:
    body = _reference("openalpr_alpr_group_TestWebhook.json")
    assert body.startswith(b"\xef\xbb\xbf")  # the capture really starts with a BOM
    outcome = _parse(body, now=_epoch_now(1609433731402))
    assert outcome.refused == [] and len(outcome.accepted) == 1
    read = outcome.accepted[0]
    assert read.plate == "A424761"  # best_plate_number, not the test hook's best_plate.plate
    assert read.read_id == "U8HGWA66CW58AV9Q7YB4JJ749CV7WXNQLLNIBT4N-106232737-1609433731402"
    assert (read.state, read.camera_id, read.vendor, read.source_id) == (
        "IN",
        "106232737",
        "openalpr",
        "src-1",
    )
    assert read.seen_at == datetime(2020, 12, 31, 16, 55, 31, 402000, tzinfo=UTC)
    assert read.lat == pytest.approx(40.00997543334961) and read.lon == pytest.approx(-86.14463806152344)
    assert read.candidates == (Candidate("A424761", pytest.approx(93.50499725341797)),)


def test_documented_alpr_group_keeps_every_candidate_best_first() -> None:
    outcome = _parse(_reference("openalpr_doc_alpr_group.json"), now=_epoch_now(1562681121504))
    (read,) = outcome.accepted
    assert read.plates() == ("D2651BF", "D2651F", "D265BF")
    assert read.state == "MO" and read.confidence == pytest.approx(93.877067565918)


def test_alpr_results_gives_one_read_per_plate_in_the_frame() -> None:
    outcome = _parse(_reference("openalpr_doc_alpr_results.json"), now=_epoch_now(1562681608425))
    assert [r.plate for r in outcome.accepted] == ["D2651BF", "CG3L5Y"]
    assert [r.read_id[-2:] for r in outcome.accepted] == ["#0", "#1"]  # distinct ids in one frame
    assert len(outcome.accepted[0].candidates) == 4


def test_heartbeat_marks_each_streaming_camera_alive() -> None:
    outcome = _parse(_reference("openalpr_doc_heartbeat.json"), now=_epoch_now(1562681904008))
    assert outcome.accepted == [] and outcome.refused == []
    (beat,) = outcome.heartbeats
    assert (beat.source_id, beat.camera_id) == ("src-1", "1234")
    assert beat.at == datetime.fromtimestamp(1562681904.008, tz=UTC)


def test_heartbeat_of_a_camera_not_streaming_says_nothing() -> None:
    beat = {"data_type": "heartbeat", "agent_uid": "A", "timestamp": int(NOW.timestamp() * 1000)}
    beat["video_streams"] = [{"camera_id": 7, "is_streaming": False}]
    assert _parse(beat).heartbeats == []


def generic(**overrides: object) -> dict[str, object]:
    read: dict[str, object] = {
        "read_id": "r-1",
        "plate": "abc-123",
        "state": "ma",
        "confidence": 88.5,
        "candidates": [{"plate": "ABC123", "confidence": 88.5}, {"plate": "A8C123", "confidence": 60}],
        "camera_id": "cam-9",
        "time": "2026-12-01T11:59:00Z",
        "lat": 42.36,
        "lon": -71.06,
        "image_ref": "s3://vendor/img/1.jpg",
    }
    return {**read, **overrides}


def test_generic_read_is_normalised() -> None:
    (read,) = _parse(generic()).accepted
    assert (read.plate, read.state, read.camera_id, read.vendor) == ("abc-123", "MA", "cam-9", "generic")
    assert read.seen_at == datetime(2026, 12, 1, 11, 59, tzinfo=UTC)
    assert read.plates() == ("abc-123", "ABC123", "A8C123")
    assert (read.lat, read.lon, read.image_ref) == (42.36, -71.06, "s3://vendor/img/1.jpg")


def test_generic_read_cannot_speak_for_another_source() -> None:
    assert _parse(generic(source="src-1")).accepted  # naming itself is fine
    outcome = _parse(generic(source="someone-else"))
    assert outcome.accepted == []
    assert outcome.refused == [
        Refusal(0, "source", "does not match the source this request authenticated as")
    ]


def flock(**overrides: object) -> dict[str, object]:
    alert: dict[str, object] = {
        "event": "lpr_alert",
        "alertId": "fl-77",
        "timestamp": "2026-12-01T06:58:00-05:00",
        "plate": "7XYZ99",
        "plateState": "CA",
        "confidence": 0.93,
        "camera": {"id": "flock-cam-3", "name": "Main & 5th", "latitude": 34.05, "longitude": -118.24},
        "imageUrl": "https://vendor.example/img/77.jpg",
        "hotlist": {"name": "Stolen", "reason": "stolen vehicle"},
    }
    return {**alert, **overrides}


def test_flock_style_alert_is_normalised() -> None:
    (read,) = _parse(flock()).accepted
    assert (read.read_id, read.plate, read.state, read.vendor) == ("fl-77", "7XYZ99", "CA", "flock")
    assert read.confidence == pytest.approx(93.0)  # 0..1 becomes the 0..100 every read uses
    assert read.seen_at == datetime(2026, 12, 1, 11, 58, tzinfo=UTC)
    assert (read.camera_id, read.lat, read.lon) == ("flock-cam-3", 34.05, -118.24)


def test_a_batch_mixes_shapes_and_refuses_item_by_item() -> None:
    batch = [
        generic(),
        flock(),
        generic(read_id="r-2", plate="AB_123"),
        "not an object",
        generic(read_id="r-3"),
    ]
    outcome = _parse(batch)
    assert [r.read_id for r in outcome.accepted] == ["r-1", "fl-77", "r-3"]
    assert [(r.index, r.field) for r in outcome.refused] == [(2, "plate"), (3, "item")]
    assert "illegal characters '_'" in outcome.refused[0].reason


def test_a_repeated_read_in_a_batch_is_kept_once_and_listed() -> None:
    outcome = _parse([generic(), generic(plate="XYZ1"), generic(read_id="r-2")])
    assert [r.read_id for r in outcome.accepted] == ["r-1", "r-2"]
    assert outcome.duplicates == [1] and outcome.refused == []


def test_reads_are_attributed_to_the_authenticated_source() -> None:
    group = json.loads(_reference("openalpr_doc_alpr_group.json"))
    outcome = _parse(group, source_id="src-b", now=_epoch_now(1562681121504))
    assert {r.source_id for r in outcome.accepted} == {"src-b"}
