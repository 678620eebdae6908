"""The MKV wire format, checked by parsing it back with PyAV (FFmpeg's Matroska demuxer)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import pytest

from kvs_ingest import avc, mkv
from kvs_ingest.fragmenter import Fragmenter
from kvs_ingest.source import SourceSpec
from kvs_ingest.testpattern import read_burned_time, write_test_pattern
from tests.unit.kvs_ingest.media import START_MS, decode_fragment


def _source_packets(path):
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        record = bytes(stream.codec_context.extradata)
        packets = [p for p in c.demux(stream) if p.size]
        packets = [(int(p.pts * p.time_base * 1000), bytes(p), p.is_keyframe) for p in packets]
    return record, packets


def test_a_fragment_document_parses_back_with_its_track_and_absolute_timecodes(media) -> None:
    record, packets = _source_packets(media["h264"])
    track = mkv.TrackInfo(record, 320, 240)
    blocks = [mkv.FramePacket(ms, data, key) for ms, data, key in packets[:30]]
    doc = mkv.build_document(track, START_MS, blocks)
    assert doc.data.startswith(bytes.fromhex("1a45dfa3")) and b"matroska" in doc.data[:40]
    assert doc.data[doc.header_size : doc.header_size + 4] == bytes.fromhex("1f43b675")
    with av.open(io.BytesIO(doc.data), format="matroska") as c:
        stream = c.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 320, 240)
        assert bytes(stream.codec_context.extradata) == record  # CodecPrivate = the avcC record
        assert stream.time_base == Fraction(1, 1000)  # TimecodeScale 1 ms
        assert c.metadata.get("encoder") == "rtcc-ingest"
        got = [(p.pts, bytes(p), p.is_keyframe) for p in c.demux(stream) if p.size]
    assert [g[0] for g in got] == [START_MS + ms for ms, _, _ in packets[:30]]  # absolute ms since the epoch
    assert [g[1:] for g in got] == [(d, k) for _, d, k in packets[:30]]
    assert read_burned_time(decode_fragment(doc.data)[0]) == START_MS


def test_chained_clusters_after_one_header_parse_as_one_stream(media) -> None:
    fragments = list(Fragmenter(SourceSpec(str(media["h264"]), realtime=False)))
    body = fragments[0].data + b"".join(f.data[f.header_size :] for f in fragments[1:])
    with av.open(io.BytesIO(body), format="matroska") as c:
        keys = [p.pts for p in c.demux(video=0) if p.size and p.is_keyframe]
    assert keys == [f.producer_ts_ms for f in fragments]


def test_fragments_are_keyframe_aligned_and_at_most_ten_seconds(media) -> None:
    fragments = list(Fragmenter(SourceSpec(str(media["h264"]), realtime=False), fragment_seconds=2))
    assert len(fragments) == 4 and [f.duration_ms for f in fragments] == [2000, 2000, 2000, 1000]
    for f in fragments:
        with av.open(io.BytesIO(f.data), format="matroska") as c:
            packets = [p for p in c.demux(video=0) if p.size]
        assert packets[0].is_keyframe and packets[0].pts == f.producer_ts_ms
        assert all(not p.is_keyframe for p in packets[1:])  # one GOP each: cut exactly at keyframes
        assert packets[-1].pts - packets[0].pts < f.duration_ms <= 10_000
        assert len(decode_fragment(f.data)) == f.frames  # decodes on its own


def test_a_gop_longer_than_ten_seconds_is_cut_at_ten_and_then_reencoded(media) -> None:
    fragmenter = Fragmenter(SourceSpec(str(media["longgop"]), realtime=False), fragment_seconds=2)
    fragments = list(fragmenter)
    assert fragments[0].duration_ms <= 10_000 and fragments[0].frames == 100
    assert fragmenter.mode == "encode"  # keyframes 12 s apart: the agent makes its own from there on
    assert all(f.duration_ms <= 10_000 for f in fragments)
    assert all(decode_fragment(f.data) for f in fragments)


def test_bad_documents_are_refused() -> None:
    track = mkv.TrackInfo(b"\x01\x64\x00\x0c\xff\xe1\x00\x00\x00", 2, 2)
    with pytest.raises(ValueError, match="keyframe"):
        mkv.fragment_document(track, START_MS, [mkv.FramePacket(0, b"x", keyframe=False)])
    with pytest.raises(ValueError, match="int16"):
        blocks = [mkv.FramePacket(0, b"x", True), mkv.FramePacket(40_000, b"y")]
        mkv.fragment_document(track, START_MS, blocks)


def test_ebml_sizes_use_the_shortest_vint_and_skip_the_reserved_all_ones() -> None:
    assert mkv.vint_size(0) == b"\x80"
    assert mkv.vint_size(126) == b"\xfe"
    assert mkv.vint_size(127) == b"\x40\x7f"  # 0xFF alone would mean "unknown size"
    assert mkv.uint_element(mkv.CLUSTER_TIMECODE, START_MS) == b"\xe7\x86" + START_MS.to_bytes(6, "big")


def test_annexb_and_avcc_helpers_round_trip_and_read_the_sps_size(tmp_path) -> None:
    with av.open(str(write_test_pattern(tmp_path / "one.mp4", 1 / 15, 15, (1920, 1080)))) as c:
        extradata = bytes(c.streams.video[0].codec_context.extradata)
    _, sps_list, pps_list = avc.parse_avcc_record(extradata)
    assert avc.parse_sps(sps_list[0])["width"] == 1920
    assert avc.parse_sps(sps_list[0])["height"] == 1080  # 1088 coded, cropped by 8
    annexb = b"\x00\x00\x00\x01" + sps_list[0] + b"\x00\x00\x01" + pps_list[0]
    assert avc.split_annexb(annexb) == [sps_list[0], pps_list[0]]
    assert avc.codec_private(annexb)[:5] == extradata[:5]
    assert avc.split_avcc(avc.annexb_to_avcc(annexb)) == [sps_list[0], pps_list[0]]
    with pytest.raises(avc.BitstreamError):
        avc.split_avcc(b"\xff\xff\xff\xff\x65\x88")
    with pytest.raises(avc.BitstreamError):
        avc.codec_private(b"\x00\x00\x01\x65\x88")
