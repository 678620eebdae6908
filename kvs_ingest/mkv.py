"""The Matroska (EBML) writer for PutMedia: each fragment is a self-contained document (EBML header,
Segment, Info, Tracks, ONE Cluster) whose Cluster Timecode is the absolute producer time in ms since the
Unix epoch, as the KVS producer SDK sends with `x-amzn-fragment-timecode-type: ABSOLUTE`.

The Segment has the "unknown" size (as the SDK writes it) so a sender may chain: one header, then the
clusters of later fragments (`Fragment.data[header_size:]`) on the same PutMedia body.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

TIMECODE_SCALE_NS = 1_000_000  # 1 ms per timecode unit
APP_NAME = "rtcc-ingest"
CODEC_H264 = "V_MPEG4/ISO/AVC"
UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"

# Element IDs (Matroska specification); written with their length-marker bits, as they appear on disk.
EBML, EBML_VERSION, EBML_READ_VERSION = 0x1A45DFA3, 0x4286, 0x42F7
EBML_MAX_ID, EBML_MAX_SIZE, DOC_TYPE = 0x42F2, 0x42F3, 0x4282
DOC_TYPE_VERSION, DOC_TYPE_READ_VERSION = 0x4287, 0x4285
SEGMENT, INFO, TIMECODE_SCALE, MUXING_APP, WRITING_APP, SEGMENT_UID = (
    0x18538067,
    0x1549A966,
    0x2AD7B1,
    0x4D80,
    0x5741,
    0x73A4,
)
TRACKS, TRACK_ENTRY, TRACK_NUMBER, TRACK_UID, TRACK_TYPE = 0x1654AE6B, 0xAE, 0xD7, 0x73C5, 0x83
CODEC_ID, CODEC_PRIVATE, TRACK_NAME, VIDEO, PIXEL_WIDTH, PIXEL_HEIGHT = (
    0x86,
    0x63A2,
    0x536E,
    0xE0,
    0xB0,
    0xBA,
)
CLUSTER, CLUSTER_TIMECODE, SIMPLE_BLOCK = 0x1F43B675, 0xE7, 0xA3
MAX_RELATIVE_MS = 32767  # a SimpleBlock's timecode is a signed 16-bit offset from its Cluster's


@dataclass(frozen=True)
class TrackInfo:
    """The one video track of a fragment: AVCDecoderConfigurationRecord and picture size."""

    codec_private: bytes
    width: int
    height: int
    codec_id: str = CODEC_H264


@dataclass(frozen=True)
class FramePacket:
    """One access unit for a SimpleBlock: `offset_ms` from the fragment's start (its cluster timecode),
    AVCC bytes, keyframe flag."""

    offset_ms: int
    data: bytes
    keyframe: bool = False


@dataclass
class Document:
    """A built fragment document and where its header ends (the cluster starts)."""

    data: bytes
    header_size: int


def element_id(eid: int) -> bytes:
    """An element ID's bytes (IDs carry their own length marker)."""
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big")


def vint_size(n: int) -> bytes:
    """An EBML data size as the shortest variable-length integer (all-ones patterns are reserved)."""
    for length in range(1, 9):
        if n < (1 << (7 * length)) - 1:
            return (n | (1 << (7 * length))).to_bytes(length, "big")
    raise ValueError(f"EBML size too large: {n}")


def element(eid: int, payload: bytes) -> bytes:
    """ID + size + payload."""
    return element_id(eid) + vint_size(len(payload)) + payload


def uint_element(eid: int, value: int) -> bytes:
    """An unsigned-integer element in the fewest bytes (at least one)."""
    return element(eid, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def string_element(eid: int, value: str) -> bytes:
    """An ASCII/UTF-8 string element."""
    return element(eid, value.encode())


def ebml_header() -> bytes:
    """The EBML header: DocType matroska, version 2 (SimpleBlock)."""
    return element(
        EBML,
        uint_element(EBML_VERSION, 1)
        + uint_element(EBML_READ_VERSION, 1)
        + uint_element(EBML_MAX_ID, 4)
        + uint_element(EBML_MAX_SIZE, 8)
        + string_element(DOC_TYPE, "matroska")
        + uint_element(DOC_TYPE_VERSION, 2)
        + uint_element(DOC_TYPE_READ_VERSION, 2),
    )


def track_entry(track: TrackInfo) -> bytes:
    """The TrackEntry of track 1 (video)."""
    video = uint_element(PIXEL_WIDTH, track.width) + uint_element(PIXEL_HEIGHT, track.height)
    return element(
        TRACK_ENTRY,
        uint_element(TRACK_NUMBER, 1)
        + uint_element(TRACK_UID, 1)
        + uint_element(TRACK_TYPE, 1)
        + string_element(TRACK_NAME, "video")
        + string_element(CODEC_ID, track.codec_id)
        + element(CODEC_PRIVATE, track.codec_private)
        + element(VIDEO, video),
    )


def header(track: TrackInfo) -> bytes:
    """EBML header + Segment (unknown size) + Info + Tracks: everything before the first Cluster."""
    info = element(
        INFO,
        element(SEGMENT_UID, os.urandom(16))
        + uint_element(TIMECODE_SCALE, TIMECODE_SCALE_NS)
        + string_element(MUXING_APP, APP_NAME)
        + string_element(WRITING_APP, APP_NAME),
    )
    tracks = element(TRACKS, track_entry(track))
    return ebml_header() + element_id(SEGMENT) + UNKNOWN_SIZE + info + tracks


def simple_block(offset_ms: int, data: bytes, keyframe: bool) -> bytes:
    """A SimpleBlock of track 1 at `offset_ms` from its cluster."""
    if not -32768 <= offset_ms <= MAX_RELATIVE_MS:
        raise ValueError(f"block offset {offset_ms} ms does not fit a SimpleBlock's int16 timecode")
    body = b"\x81" + offset_ms.to_bytes(2, "big", signed=True) + (b"\x80" if keyframe else b"\x00")
    return element_id(SIMPLE_BLOCK) + vint_size(len(body) + len(data)) + body + data


def cluster(producer_ts_ms: int, packets: Iterable[FramePacket]) -> bytes:
    """One Cluster: absolute Timecode (ms since the epoch) and the packets' SimpleBlocks, sized."""
    parts = [uint_element(CLUSTER_TIMECODE, producer_ts_ms)]
    parts.extend(simple_block(p.offset_ms, p.data, p.keyframe) for p in packets)
    payload = b"".join(parts)
    return element_id(CLUSTER) + vint_size(len(payload)) + payload


def fragment_document(track: TrackInfo, producer_ts_ms: int, packets: Iterable[FramePacket]) -> bytes:
    """A self-contained Matroska document for one fragment (the wire format of issue 13's contract).
    The first packet must be a keyframe: a fragment must decode on its own."""
    return build_document(track, producer_ts_ms, packets).data


def build_document(track: TrackInfo, producer_ts_ms: int, packets: Iterable[FramePacket]) -> Document:
    """As fragment_document, also telling where the header ends (for chaining clusters)."""
    packets = list(packets)
    if not packets or not packets[0].keyframe:
        raise ValueError("a fragment starts with a keyframe")
    if producer_ts_ms < 0:
        raise ValueError("producer timestamp must be ms since the epoch")
    head = header(track)
    return Document(head + cluster(producer_ts_ms, packets), len(head))
