"""Motion on sampled, downscaled frames; snapshots; the burned-in time of the test pattern."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kvs_ingest.fragmenter import Fragmenter, MotionSettings
from kvs_ingest.masks import PrivacyMask
from kvs_ingest.motion import MotionDetector
from kvs_ingest.snapshot import SnapshotError, snapshot_from_fragment
from kvs_ingest.source import SourceSpec
from kvs_ingest.testpattern import pattern_frame, read_burned_time


def _run(path, **kw):
    events: list = []
    fragmenter = Fragmenter(SourceSpec(str(path), realtime=False), on_motion=events.append, **kw)
    fragments = list(fragmenter)
    return events, fragmenter, fragments


def test_a_moving_square_triggers_motion_from_keyframes_alone(media) -> None:
    events, fragmenter, fragments = _run(media["h264"], motion=MotionSettings(cooldown_s=0))
    assert fragmenter.mode == "remux"
    assert fragmenter.detector.samples == 4  # the 4 keyframes, nothing else decoded
    assert len(events) == 3 and all(0.02 <= e.score <= 1 for e in events)
    assert [int(e.at.timestamp() * 1000) for e in events] == [f.producer_ts_ms for f in fragments[1:]]
    body = events[0].as_json("cam-1")
    assert body["camera_id"] == "cam-1" and body["at"].endswith("Z") and body["score"] == events[0].score


def test_a_static_scene_gives_no_motion(media) -> None:
    events, fragmenter, _ = _run(media["static"], motion=MotionSettings(cooldown_s=0))
    assert fragmenter.detector.samples == 4 and events == []
    assert fragmenter.detector.last_score < 0.001


def test_reencoding_samples_every_nth_frame_at_the_sample_rate(media) -> None:
    events, fragmenter, _ = _run(media["mpeg4"], motion=MotionSettings(sample_fps=3, cooldown_s=0))
    assert fragmenter.mode == "encode"
    assert fragmenter.detector.samples == 12  # 4 s at 3 samples a second, out of 60 frames
    assert len(events) == 11


def test_cooldown_limits_events(media) -> None:
    events, _, _ = _run(media["h264"], motion=MotionSettings(cooldown_s=10))
    assert len(events) == 1


def test_motion_inside_a_privacy_mask_is_not_motion() -> None:
    mask = PrivacyMask([[[0.0, 0.0], [1.0, 0.0], [1.0, 0.5], [0.0, 0.5]]])  # the top half
    detector = MotionDetector(threshold=0.01, masks=mask, cooldown_s=0)
    still = np.full((240, 320), 90, np.uint8)
    moved_top, moved_bottom = still.copy(), still.copy()
    moved_top[20:100, 40:200] = 250
    moved_bottom[150:230, 40:200] = 250
    assert detector.compare(still, 0) is None
    assert detector.compare(moved_top, 500) is None and detector.last_score == 0
    assert detector.compare(still, 1000) is None  # the square leaving the top half: still masked
    event = detector.compare(moved_bottom, 1500)
    assert event is not None and event.score == pytest.approx(80 * 160 / (320 * 120), abs=0.01)


def test_detector_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        MotionDetector(threshold=0)
    with pytest.raises(ValueError, match="sample_fps"):
        MotionDetector(sample_fps=0)


def test_a_snapshot_is_a_jpeg_of_the_fragment_start(media) -> None:
    fragments = list(Fragmenter(SourceSpec(str(media["h264"]), realtime=False)))
    jpeg = snapshot_from_fragment(fragments[2].data, max_width=160)
    assert jpeg[:2] == b"\xff\xd8"
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (120, 160, 3)
    full = cv2.imdecode(np.frombuffer(snapshot_from_fragment(fragments[2].data), np.uint8), cv2.IMREAD_COLOR)
    assert read_burned_time(full) == 1_790_000_000_000 + 4000
    with pytest.raises(SnapshotError):
        snapshot_from_fragment(b"not a fragment")


@pytest.mark.parametrize("size", [(1920, 1080), (640, 360), (320, 240)])
def test_the_burned_time_reads_back_at_any_scale(size) -> None:
    ms = 1_790_000_123_456
    frame = pattern_frame(size, ms, 7)
    assert read_burned_time(frame) == ms
    half = cv2.resize(frame, (size[0] // 2, size[1] // 2), interpolation=cv2.INTER_AREA)
    assert read_burned_time(half) == ms
    assert read_burned_time(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)) == ms


def test_a_frame_without_the_row_or_with_a_bad_check_is_refused() -> None:
    with pytest.raises(ValueError, match="no burned time"):
        read_burned_time(np.full((240, 320, 3), 96, np.uint8))
    frame = pattern_frame((320, 240), 1_790_000_000_000, 0)
    cell = 320 // 60
    frame[:cell, 2 * 320 // 60 + 1 : 3 * 320 // 60 - 1] = 255 - frame[cell // 2, 2 * 320 // 60 + 2]
    with pytest.raises(ValueError, match="check"):
        read_burned_time(frame)


def test_b_frames_are_remuxed_as_they_are_and_every_keyframe_is_sampled(media) -> None:
    import io

    import av

    events, fragmenter, fragments = _run(media["bframes"], motion=MotionSettings(cooldown_s=0))
    with av.open(str(media["bframes"])) as c:
        assert c.streams.video[0].codec_context.has_b_frames
        source = [bytes(p) for p in c.demux(video=0) if p.size]
    sent = []
    for f in fragments:
        with av.open(io.BytesIO(f.data), format="matroska") as c:
            sent += [bytes(p) for p in c.demux(video=0) if p.size]
    assert sent == source and [f.duration_ms for f in fragments][:3] == [2000, 2000, 2000]
    assert fragmenter.detector.samples == 4 and len(events) == 3  # no keyframe held back by reordering
