"""The fragmenter end to end on real files: remux without re-encoding, re-encoding when it must, and the
bad inputs a camera produces (resolution changes, corrupt packets, timestamp and clock jumps)."""

from __future__ import annotations

import io

import av
import pytest

from kvs_ingest.fragmenter import Fragmenter, ProducerClock
from kvs_ingest.source import SourceSpec
from kvs_ingest.testpattern import read_burned_time
from tests.unit.kvs_ingest.media import START_MS, decode_fragment, write_raw_h264


def _spec(path, **kw) -> SourceSpec:
    return SourceSpec(str(path), realtime=False, **kw)


def _blocks(fragment) -> list[bytes]:
    with av.open(io.BytesIO(fragment.data), format="matroska") as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def test_h264_input_is_remuxed_packet_for_packet(media) -> None:
    with av.open(str(media["h264"])) as c:
        source = [bytes(p) for p in c.demux(video=0) if p.size]
    fragmenter = Fragmenter(_spec(media["h264"]))
    fragments = list(fragmenter)
    assert fragmenter.mode == "remux"
    assert [b for f in fragments for b in _blocks(f)] == source  # the very bytes: nothing re-encoded
    first = decode_fragment(fragments[1].data)[0]
    assert read_burned_time(first) == START_MS + 2000  # the second fragment starts at the 2 s keyframe


def test_annexb_input_is_remuxed_as_avcc_with_the_inband_sps_as_codec_private(media) -> None:
    fragments = list(Fragmenter(_spec(media["sizes"])))
    with av.open(io.BytesIO(fragments[0].data), format="matroska") as c:
        record = bytes(c.streams.video[0].codec_context.extradata)
    assert record[0] == 1 and len(record) > 10  # an avcC record, not Annex B
    assert all(b[:3] != b"\x00\x00\x01" for b in _blocks(fragments[0]))
    assert read_burned_time(decode_fragment(fragments[0].data)[0]) == START_MS


@pytest.mark.parametrize("name", ["mpeg4", "vp8"])
def test_other_codecs_are_reencoded_to_h264_keyframe_aligned(media, name) -> None:
    fragmenter = Fragmenter(_spec(media[name]), fragment_seconds=1)
    fragments = list(fragmenter)
    assert fragmenter.mode == "encode"
    assert len(fragments) == 4 and all(f.duration_ms == 1000 for f in fragments[:-1])
    assert abs(fragments[-1].duration_ms - 1000) <= 2  # the last one ends one frame (66.7 ms) after its last
    for i, f in enumerate(fragments):
        with av.open(io.BytesIO(f.data), format="matroska") as c:
            assert c.streams.video[0].codec_context.name == "h264"
        frames = decode_fragment(f.data)
        assert len(frames) == 15
        assert abs(read_burned_time(frames[0]) - (START_MS + 1000 * i)) <= 1


def test_privacy_masks_black_out_their_pixels_in_what_leaves(media) -> None:
    left_half = [[0.0, 0.1], [0.5, 0.1], [0.5, 1.0], [0.0, 1.0]]
    fragmenter = Fragmenter(_spec(media["h264"]), privacy_masks=[left_half])
    fragments = list(fragmenter)
    assert fragmenter.mode == "encode"  # masks change pixels: H.264 in is re-encoded
    frames = [frm for f in fragments for frm in decode_fragment(f.data)]
    for frame in frames:
        assert frame[40:236, 4:156].max() <= 24  # black (a few codes of ringing at most)
        assert frame[40:236, 170:316].mean() > 60  # the rest of the picture is still there
    moving = [frm for frm in frames if frm[40:236, 170:316].max() > 200]
    assert moving  # the square crosses the unmasked half too: it was not blanked


def test_a_resolution_change_mid_stream_starts_a_new_track(media) -> None:
    fragmenter = Fragmenter(_spec(media["sizes"]), fragment_seconds=1)
    fragments = list(fragmenter)
    sizes = [(f.width, f.height) for f in fragments]
    assert sizes == [(320, 240)] * 3 + [(480, 360)] * 3
    assert [f.new_track for f in fragments] == [True, False, False, True, False, False]
    for f in fragments:
        with av.open(io.BytesIO(f.data), format="matroska") as c:
            stream = c.streams.video[0]
            assert (stream.width, stream.height) == (f.width, f.height)
        assert decode_fragment(f.data)[0].shape == (f.height, f.width, 3)
    assert fragmenter.stats["track_changes"] == 1
    stamps = [f.producer_ts_ms for f in fragments]
    assert stamps == sorted(set(stamps))


def test_a_resolution_change_while_reencoding_gives_a_new_encoder_and_track(media) -> None:
    fragments = list(Fragmenter(_spec(media["sizes"]), fragment_seconds=1, force_encode=True))
    assert [(f.width, f.height) for f in fragments] == [(320, 240)] * 3 + [(480, 360)] * 3
    assert all(decode_fragment(f.data) for f in fragments)


def _corrupt_copy(path, out, frame_index: int) -> None:
    """The file with one P-frame's first NAL length overwritten (its container framing intact)."""
    with av.open(str(path)) as c:
        packets = [bytes(p) for p in c.demux(video=0) if p.size]
    data = bytearray(path.read_bytes())
    at = data.find(packets[frame_index])
    assert at > 0 and data.count(packets[frame_index]) == 1
    data[at : at + 4] = b"\xff\xff\xff\xf0"
    out.write_bytes(bytes(data))


def test_a_corrupt_packet_is_dropped_with_everything_up_to_the_next_keyframe(media, tmp_path) -> None:
    bad = tmp_path / "bad.mp4"
    _corrupt_copy(media["h264"], bad, 40)  # in the second GOP (frames 30..59)
    fragmenter = Fragmenter(_spec(bad))
    fragments = list(fragmenter)
    assert [f.frames for f in fragments] == [30, 10, 30, 15]  # frames 40..59 dropped, nothing else
    assert fragmenter.stats["dropped_corrupt"] == 20
    assert [f.duration_ms for f in fragments] == [2000, 2000, 2000, 1000]
    for f in fragments:
        decode_fragment(f.data)  # every fragment sent decodes without error
    assert read_burned_time(decode_fragment(fragments[2].data)[0]) == START_MS + 4000


class _Wall:
    """A wall clock that reads the given seconds in turn (then keeps the last), like a host whose NTP
    daemon steps the clock."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def __call__(self) -> float:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


def test_producer_time_stays_strictly_increasing_when_the_wall_clock_jumps(media) -> None:
    t0 = 1_800_000_000.0
    clock = ProducerClock(wall=_Wall(t0, t0 - 3600, t0 + 7200, t0 + 7202))
    fragments = list(Fragmenter(_spec(media["h264"]), clock=clock))
    stamps = [f.producer_ts_ms for f in fragments]
    t0_ms = int(t0 * 1000)
    # back an hour: not followed (continues on media time); forward two hours: followed.
    assert stamps == [t0_ms, t0_ms + 2000, t0_ms + 7_200_000, t0_ms + 7_202_000]
    assert clock.jumps == 1


def test_a_camera_restart_resetting_its_timestamps_keeps_producer_time_increasing(media) -> None:
    t0 = 1_800_000_000.0
    fragmenter = Fragmenter(_spec(media["restart"]), fragment_seconds=1, clock=ProducerClock(wall=lambda: t0))
    fragments = list(fragmenter)
    assert len(fragments) == 6
    ends = [f.producer_ts_ms + f.duration_ms for f in fragments]
    for before_end, after in zip(ends, fragments[1:], strict=False):
        assert after.producer_ts_ms >= before_end  # no overlap, strictly increasing
    assert fragments[3].producer_ts_ms == ends[2]  # re-anchored at the end of what was sent


def test_a_looped_file_keeps_going_with_contiguous_stamps(media) -> None:
    fragmenter = Fragmenter(_spec(media["mpeg4"], loop=True), fragment_seconds=1)
    fragments = []
    for f in fragmenter:
        fragments.append(f)
        if len(fragments) == 10:
            fragmenter.stop()
    assert len(fragments) >= 10  # a 4 s file: 10 s of fragments (the one open at stop() is sent too)
    for a, b in zip(fragments, fragments[1:], strict=False):
        assert b.producer_ts_ms == a.producer_ts_ms + a.duration_ms


def test_fragment_length_is_checked() -> None:
    with pytest.raises(ValueError, match="fragment_seconds"):
        Fragmenter(SourceSpec("x.mp4"), fragment_seconds=11)
    with pytest.raises(ValueError, match=r"privacy_masks\[0\]"):
        Fragmenter(SourceSpec("x.mp4"), privacy_masks=[[[0, 0], [2, 0], [0, 1]]])


def test_motion_frames_never_change_what_is_sent(media) -> None:
    plain = [_blocks(f) for f in Fragmenter(_spec(media["h264"]))]
    events: list = []
    with_motion = [_blocks(f) for f in Fragmenter(_spec(media["h264"]), on_motion=events.append)]
    assert events and plain == with_motion and all(plain)


def test_a_lost_transport_packet_flags_its_frame_corrupt_and_the_gop_rest_is_dropped(media, tmp_path) -> None:
    # One 188-byte MPEG-TS packet of a P-frame lost (as over UDP): the demuxer sees the continuity
    # counter skip and flags the frame corrupt.
    data = media["restart"].read_bytes()[: 45 * 188 * 5]  # no restart in this part: plain 320x240
    ts = [data[i : i + 188] for i in range(0, len(data), 188)]
    video = [i for i, t in enumerate(ts) if ((t[1] & 0x1F) << 8 | t[2]) == 0x100 and not t[1] & 0x40]
    lost = video[len(video) // 3]
    bad = tmp_path / "lossy.ts"
    bad.write_bytes(b"".join(t for i, t in enumerate(ts) if i != lost))
    with av.open(str(bad)) as c:
        flagged = [p.pts for p in c.demux(video=0) if p.size and p.is_corrupt]
    assert flagged
    fragmenter = Fragmenter(_spec(bad), fragment_seconds=1)
    fragments = list(fragmenter)
    assert fragmenter.stats["dropped_corrupt"] >= len(flagged)
    assert sum(f.frames for f in fragments) + fragmenter.stats["dropped_corrupt"] == _frames(bad)
    for f in fragments:
        decode_fragment(f.data)


def _frames(path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(video=0) if p.size)


@pytest.mark.parametrize("name", ["h264", "sizes"])  # MP4 packets carry durations; MPEG-TS ones do not
def test_every_frame_time_keeps_increasing_across_loops_of_a_file(media, name) -> None:
    fragmenter = Fragmenter(_spec(media[name], loop=True), fragment_seconds=1)
    times: list[int] = []
    for f in fragmenter:
        with av.open(io.BytesIO(f.data), format="matroska") as c:
            times += [p.pts for p in c.demux(video=0) if p.size]
        if len(times) > 250:  # more than two passes
            fragmenter.stop()
    assert all(b > a for a, b in zip(times, times[1:], strict=False))


@pytest.mark.parametrize("loop", [False, True])
def test_a_raw_h264_stream_without_timestamps_is_timed_frame_after_frame(media, tmp_path, loop) -> None:
    raw = write_raw_h264(media["sizes"], tmp_path / "camera.h264")
    fragmenter = Fragmenter(_spec(raw, loop=loop), fragment_seconds=1)
    fragments, times = [], []
    for f in fragmenter:
        fragments.append(f)
        with av.open(io.BytesIO(f.data), format="matroska") as c:
            times += [p.pts for p in c.demux(video=0) if p.size]
        if len(fragments) == 12:
            fragmenter.stop()
    assert len(fragments) >= 12 if loop else len(fragments) == 6  # (the one open at stop() is sent too)
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    assert all(abs(f.duration_ms - 1000) <= 70 for f in fragments[:5])  # 15 frames at the guessed 15 fps
    assert [(f.width, f.height) for f in fragments[:6]] == [(320, 240)] * 3 + [(480, 360)] * 3
