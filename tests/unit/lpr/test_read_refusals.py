"""rtcc.lpr.reads against hostile and broken input: each bad item refused naming its field
(the rest of the batch kept), a body that cannot be read refused as a whole, naming why."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rtcc.lpr.reads import (
    BatchLimits,
    ReadPayloadError,
    ReadPayloadTooLarge,
    parse_reads,
    read_body,
)

from tests.unit.lpr.test_reads import NOW, RETENTION, _parse, flock, generic

NOW_MS = int(NOW.timestamp() * 1000)


def _refused(item: object) -> list[tuple[str, str]]:
    outcome = _parse([item, generic(read_id="fine")])
    assert [r.read_id for r in outcome.accepted] == ["fine"]  # the good item is kept
    assert {r.index for r in outcome.refused} == {0}
    return [(r.field, r.reason) for r in outcome.refused]


def group(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "data_type": "alpr_group",
        "best_uuid": "agent-7-1",
        "camera_id": 7,
        "epoch_start": NOW_MS - 1000,
        "best_plate_number": "ABC123",
        "best_confidence": 90.0,
        "best_region": "us-ma",
        "candidates": [{"plate": "ABC123", "confidence": 90.0}],
        "gps_latitude": 42.0,
        "gps_longitude": -71.0,
    }
    return {**item, **overrides}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (generic(plate="AB_123"), "plate"),
        (generic(plate="ABC 12?"), "plate"),
        (generic(candidates=[{"plate": "OK1"}, {"plate": "A*C1"}]), "candidates[1].plate"),
        (generic(plate="ABCDEFGHIJKL"), "plate"),
        (group(best_plate_number="AB/C"), "best_plate_number"),
        (group(candidates=[{"plate": "ABC"}, {"plate": "ÄBC"}]), "candidates[1].plate"),
        (flock(plate="<script>"), "plate"),
        (generic(plate=123456), "plate"),
    ],
)
def test_illegal_plate_characters_are_refused_naming_the_field(item: object, field: str) -> None:
    assert [f for f, _ in _refused(item)] == [field]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (generic(state="ZZ"), "state"),
        (flock(plateState="XX"), "plateState"),
        (group(best_region="us-zz"), "best_region"),
    ],
)
def test_unknown_states_are_refused(item: object, field: str) -> None:
    [(got, reason)] = _refused(item)
    assert got == field and reason.startswith("unknown code")


def test_a_region_outside_the_us_and_canada_leaves_the_state_unknown() -> None:
    (read,) = _parse(group(best_region="mx-jal")).accepted
    assert read.state is None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def test_times_too_far_ahead_or_past_retention_are_refused() -> None:
    assert _parse(generic(time=_iso(NOW + timedelta(minutes=4)))).accepted  # clock skew is tolerated
    [(field, reason)] = _refused(generic(time=_iso(NOW + timedelta(minutes=6))))
    assert field == "time" and reason.startswith("in the future")
    [(field, reason)] = _refused(generic(time=_iso(NOW - RETENTION - timedelta(seconds=1))))
    assert (field, reason) == ("time", "older than the retention (30 days)")
    assert _refused(group(epoch_start=NOW_MS + 3_600_000))[0][0] == "epoch_start"
    assert _refused(flock(timestamp=_iso(NOW - timedelta(days=45))))[0][0] == "timestamp"
    assert _refused(group(epoch_start=10**17))[0][0] == "epoch_start"  # not a time at all


def test_a_time_without_an_offset_is_refused() -> None:
    [(field, reason)] = _refused(generic(time="2026-12-01T11:59:00"))
    assert field == "time" and "timezone" in reason


def test_heartbeats_from_the_future_are_refused() -> None:
    beat = {
        "data_type": "heartbeat",
        "agent_uid": "A",
        "timestamp": NOW_MS + 3_600_000,
        "video_streams": [{"camera_id": 1}],
    }
    assert [(r.index, r.field) for r in _parse([beat]).refused] == [(0, "timestamp")]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_confidences_are_refused(literal: str) -> None:
    # json.loads reads these literals as floats: they must not reach a comparison.
    for item, field in [
        (generic(confidence="__X__"), "confidence"),
        (group(best_confidence="__X__"), "best_confidence"),
    ]:
        body = json.dumps(item).replace('"__X__"', literal)
        outcome = parse_reads(body.encode(), source_id="s", now=NOW, retention=RETENTION)
        assert outcome.accepted == [] and [r.field for r in outcome.refused] == [field]
        assert "finite" in outcome.refused[0].reason


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (generic(confidence=100.5), "confidence"),
        (generic(candidates=[{"plate": "A1", "confidence": -1}]), "candidates[0].confidence"),
        (flock(confidence=93), "confidence"),  # Flock-style confidences are 0..1
        (generic(lat=91), "lat"),
        (generic(lon=-180.5), "lon"),
        (group(gps_latitude=-95.0), "gps_latitude"),
        (flock(camera={"id": "c", "latitude": 12.0, "longitude": 200}), "camera.longitude"),
        (generic(lat=None), "lat"),  # a position needs both halves
        (flock(camera={"id": "c", "latitude": 12.0}), "camera.longitude"),
    ],
)
def test_out_of_range_confidences_and_positions_are_refused(item: object, field: str) -> None:
    assert [f for f, _ in _refused(item)] == [field]


def test_an_agent_without_gps_has_no_position() -> None:
    (read,) = _parse(group(gps_latitude=0.0, gps_longitude=0.0)).accepted
    assert (read.lat, read.lon) == (None, None)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({k: v for k, v in generic().items() if k != "camera_id"}, "camera_id"),
        (generic(vehicle_make="ford"), "vehicle_make"),  # our shape: unknown fields are mistakes
        (generic(candidates=[{"plate": f"A{i}"} for i in range(21)]), "candidates"),
        (generic(read_id="x" * 129), "read_id"),
        ({"data_type": "alpr_video"}, "data_type"),
        ({"data_type": ["alpr_group"]}, "data_type"),
        (flock(event="lpr_read"), "event"),
        (group(best_uuid=None), "best_uuid"),
        (generic(image_ref="javascript:alert(1)"), "image_ref"),  # shown to officers, maybe as a link
        (flock(imageUrl="data:text/html;base64,PHNjcmlwdD4="), "imageUrl"),
        (flock(imageUrl="https://vendor.example/a b"), "imageUrl"),
        (flock(imageUrl="http://vendor.example/a.jpg"), "imageUrl"),
        (group(best_uuid="javascript:alert(1)"), "best_uuid"),  # it becomes the image reference
    ],
)
def test_missing_unknown_and_oversized_fields_are_named(item: object, field: str) -> None:
    assert field in [f for f, _ in _refused(item)]


def test_one_bad_plate_in_a_frame_keeps_the_others() -> None:
    frame = {
        "data_type": "alpr_results",
        "uuid": "agent-7-9",
        "camera_id": 7,
        "epoch_time": NOW_MS,
        "results": [
            {"plate_index": 0, "plate": "GOOD1", "region": "us-ny"},
            {"plate_index": 1, "plate": "BAD_1"},
            {"plate_index": 2, "plate": "GOOD2", "region": "us-qq"},
        ],
    }
    outcome = _parse(frame)
    assert [r.plate for r in outcome.accepted] == ["GOOD1"]
    assert [(r.index, r.field) for r in outcome.refused] == [
        (0, "results[1].plate"),
        (0, "results[2].region"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"read_id": "r1", "plate": ', "body: malformed JSON at line 1 column"),
        (b"", "body: malformed JSON"),
        (b'"ABC123"', "body: a JSON object (one read) or an array of objects (a batch) is required, not str"),
        (b"42", "not int"),
        (b"null", "not NoneType"),
        (b"[]", "body: an empty batch"),
        (b"\xff\xfe{}", "body: not UTF-8 (byte 0)"),
        (b"[" * 200_000 + b"]" * 200_000, "body: JSON nested too deeply"),
    ],
)
def test_a_body_that_cannot_be_read_is_refused_whole(body: bytes, message: str) -> None:
    with pytest.raises(ReadPayloadError) as refused:
        parse_reads(body, source_id="s", now=NOW, retention=RETENTION)
    assert refused.value.status == 400 and refused.value.field == "body"
    assert message in str(refused.value)


def test_a_batch_over_500_is_refused_whole() -> None:
    assert len(_parse([generic(read_id=f"r{i}") for i in range(500)]).accepted) == 500
    with pytest.raises(ReadPayloadError, match=r"body: a batch holds at most 500 items \(501 sent\)"):
        _parse([generic(read_id=f"r{i}") for i in range(501)])


def _frame(n: int, plates: int = 20) -> dict:
    results = [{"plate_index": i, "plate": f"ABC{i:03d}"} for i in range(plates)]
    return {"data_type": "alpr_results", "uuid": f"f{n}", "camera_id": 7, "epoch_time": 0, "results": results}


def test_a_batch_of_more_than_500_reads_in_fewer_items_is_refused_whole() -> None:
    # 26 frames of 20 plates: 26 items, 520 reads (500 items would have been 10,000 reads).
    now = datetime(1970, 1, 1, 0, 1, tzinfo=UTC)
    assert (
        len(
            parse_reads(
                json.dumps([_frame(n) for n in range(25)]).encode(),
                source_id="s",
                now=now,
                retention=RETENTION,
            ).accepted
        )
        == 500
    )
    with pytest.raises(
        ReadPayloadError, match=r"body: a batch holds at most 500 reads and camera heartbeats"
    ):
        parse_reads(
            json.dumps([_frame(n) for n in range(26)]).encode(), source_id="s", now=now, retention=RETENTION
        )


def test_camera_heartbeats_count_towards_the_500() -> None:
    beat = {
        "data_type": "heartbeat",
        "agent_uid": "a",
        "timestamp": 0,
        "video_streams": [{"camera_id": c} for c in range(64)],
    }
    now = datetime(1970, 1, 1, 0, 1, tzinfo=UTC)
    with pytest.raises(ReadPayloadError, match="at most 500 reads and camera heartbeats"):
        parse_reads(json.dumps([beat] * 8).encode(), source_id="s", now=now, retention=RETENTION)


def test_a_number_past_pythons_digit_limit_is_refused_whole_not_an_error() -> None:
    body = json.dumps(generic())[:-1].encode() + b', "confidence": ' + b"9" * 5000 + b"}"
    with pytest.raises(ReadPayloadError, match="body: a number too long") as refused:
        parse_reads(body, source_id="s", now=NOW, retention=RETENTION)
    assert refused.value.status == 400


def test_a_body_over_the_byte_limit_is_refused_before_it_is_decoded() -> None:
    limits = BatchLimits(max_bytes=1000)
    # Not UTF-8 and not JSON: only the size can be what refuses it.
    with pytest.raises(ReadPayloadTooLarge, match="body: over 1000 bytes") as refused:
        parse_reads(b"\xff" * 1001, source_id="s", now=NOW, retention=RETENTION, limits=limits)
    assert refused.value.status == 413


def test_read_body_stops_reading_at_the_limit() -> None:
    stream = io.BytesIO(b"x" * 10_000)
    with pytest.raises(ReadPayloadTooLarge):
        read_body(stream, max_bytes=100)
    assert stream.tell() == 101  # the rest was never read
    assert read_body(io.BytesIO(b"{}"), max_bytes=100) == b"{}"


def test_a_naive_clock_is_a_programming_error_not_a_refusal() -> None:
    # The window compares aware times: a naive `now` must fail loudly where it is made.
    with pytest.raises(ValueError, match="now: a timezone-aware time is required"):
        parse_reads(
            json.dumps(generic()).encode(), source_id="s", now=datetime(2026, 12, 1), retention=RETENTION
        )


def test_the_clock_timezone_does_not_matter() -> None:
    eastern = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert parse_reads(
        json.dumps(generic()).encode(), source_id="s", now=eastern, retention=RETENTION
    ).accepted


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_KNOWN_FIELDS = sorted(
    {*generic(), *flock(), *group(), "results", "video_streams", "uuid", "epoch_time", "timestamp"}
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(
        [generic(), flock(), group(), {"data_type": "alpr_results"}, {"data_type": "heartbeat"}]
    ),
    changes=st.dictionaries(st.sampled_from(_KNOWN_FIELDS), _JSON, max_size=4),
)
def test_any_value_in_any_field_is_accepted_or_refused_never_a_crash(base: dict, changes: dict) -> None:
    # Whatever a sender puts in a field, the answer is a read or a refusal naming a field,
    # never an exception that would turn into a 500 and drop the rest of the batch.
    body = json.dumps([{**base, **changes}], allow_nan=True).encode()
    outcome = parse_reads(body, source_id="s", now=NOW, retention=RETENTION)
    assert all(r.index == 0 and r.field and r.reason for r in outcome.refused)
    for read in outcome.accepted:
        assert read.source_id == "s" and read.seen_at.utcoffset() is not None
