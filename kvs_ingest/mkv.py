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
from typing import NamedTuple

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


class FramePacket(NamedTuple):
    """One access unit for a SimpleBlock: `offset_ms` from the fragment's start (its cluster timecode),
    AVCC bytes, keyframe flag. (A tuple: one is made per frame of every camera.)"""

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
    length = max(1, ((n + 1).bit_length() + 6) // 7)  # n + 1: the all-ones value of a length is reserved
    if length > 8:
        raise ValueError(f"EBML size too large: {n}")
    return (n | (1 << (7 * length))).to_bytes(length, "big")


_SIMPLE_BLOCK_ID = b"\xa3"
_CLUSTER_ID = b"\x1f\x43\xb6\x75"


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


def _block_head(offset_ms: int, size: int, keyframe: bool) -> bytes:
    if not -32768 <= offset_ms <= MAX_RELATIVE_MS:
        raise ValueError(f"block offset {offset_ms} ms does not fit a SimpleBlock's int16 timecode")
    flags = b"\x80" if keyframe else b"\x00"
    return (
        _SIMPLE_BLOCK_ID + vint_size(size + 4) + b"\x81" + offset_ms.to_bytes(2, "big", signed=True) + flags
    )


def simple_block(offset_ms: int, data: bytes, keyframe: bool) -> bytes:
    """A SimpleBlock of track 1 at `offset_ms` from its cluster."""
    return _block_head(offset_ms, len(data), keyframe) + data


def cluster_parts(producer_ts_ms: int, packets: Iterable[FramePacket]) -> list[bytes]:
    """One Cluster (absolute Timecode in ms since the epoch, the packets' SimpleBlocks) as a list of
    byte strings to join: each frame's bytes are copied once, by the final join."""
    parts = [uint_element(CLUSTER_TIMECODE, producer_ts_ms)]
    for offset_ms, data, keyframe in packets:
        parts.append(_block_head(offset_ms, len(data), keyframe))
        parts.append(data)
    size = sum(map(len, parts))
    return [_CLUSTER_ID, vint_size(size), *parts]


def cluster(producer_ts_ms: int, packets: Iterable[FramePacket]) -> bytes:
    """One Cluster as bytes."""
    return b"".join(cluster_parts(producer_ts_ms, packets))


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
    return Document(b"".join([head, *cluster_parts(producer_ts_ms, packets)]), len(head))
