"""Splitting a PutMedia body into fragments, as Kinesis Video Streams reads it.

A PutMedia body is Matroska: an EBML header, a Segment (its size usually unknown: the
producer streams), Info and Tracks, then Clusters. Every Cluster is one fragment; a body
may also chain whole documents (a new EBML header before the next Cluster, when the
producer's track changed). `MkvSplitter.feed()` takes the bytes as they arrive and
returns what became known: a Cluster's start (its Timecode read: the BUFFERING ack) and
each complete fragment, re-wrapped as a self-contained document (header, Segment, Info,
Tracks, the one Cluster) that PyAV can open on its own.

Pure parsing, no I/O. Anything that is not Matroska raises `MkvError` (KVS's 4006).
"""

from __future__ import annotations

from dataclasses import dataclass, field

EBML_HEADER = 0x1A45DFA3
SEGMENT = 0x18538067
INFO = 0x1549A966
TRACKS = 0x1654AE6B
CLUSTER = 0x1F43B675
TIMECODE_SCALE = 0x2AD7B1
CLUSTER_TIMECODE = 0xE7
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
CODEC_ID = 0x86
CODEC_PRIVATE = 0x63A2
VIDEO = 0xE0
PIXEL_WIDTH = 0xB0
PIXEL_HEIGHT = 0xBA

#: Elements that may follow a Cluster at the Segment's level: one of them ends a Cluster
#: whose size is unknown (as a live muxer writes it).
_LEVEL1 = {
    0x114D9B74,  # SeekHead
    INFO,
    TRACKS,
    CLUSTER,
    0x1C53BB6B,  # Cues
    0x1941A469,  # Attachments
    0x1043A770,  # Chapters
    0x1254C367,  # Tags
    EBML_HEADER,
    SEGMENT,
}
_UNKNOWN_SEGMENT_SIZE = bytes([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
#: KVS's limit on one fragment (error 4001).
MAX_FRAGMENT_BYTES = 50 * 1024 * 1024


class MkvError(ValueError):
    """The bytes are not Matroska KVS can read (ack error 4006)."""


class FragmentTooLarge(MkvError):
    """A Cluster over 50 MB (ack error 4001)."""


def read_id(data: bytes | memoryview, pos: int) -> tuple[int, int] | None:
    """(element id, bytes used) at `pos`; None when more bytes are needed."""
    if pos >= len(data):
        return None
    first = data[pos]
    length = next((n for n in range(1, 5) if first & (0x80 >> (n - 1))), 0)
    if not length:
        raise MkvError(f"invalid EBML element id at byte {pos}")
    if pos + length > len(data):
        return None
    return int.from_bytes(bytes(data[pos : pos + length]), "big"), length


def read_size(data: bytes | memoryview, pos: int) -> tuple[int | None, int] | None:
    """(size or None when unknown, bytes used) at `pos`; None when more bytes are needed."""
    if pos >= len(data):
        return None
    first = data[pos]
    length = next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)
    if not length:
        raise MkvError(f"invalid EBML size at byte {pos}")
    if pos + length > len(data):
        return None
    value = first & (0xFF >> length)
    for byte in bytes(data[pos + 1 : pos + length]):
        value = (value << 8) | byte
    unknown = value == (1 << (7 * length)) - 1
    return (None if unknown else value), length


def read_uint(data: bytes) -> int:
    return int.from_bytes(data, "big") if data else 0


def children(data: bytes) -> list[tuple[int, bytes]]:
    """The (id, payload) of each element in `data` (a master element's payload)."""
    out, pos = [], 0
    while pos < len(data):
        head = read_id(data, pos)
        size = read_size(data, pos + head[1]) if head else None
        if head is None or size is None or size[0] is None:
            raise MkvError("truncated or unsized element inside a master element")
        start = pos + head[1] + size[1]
        if start + size[0] > len(data):
            raise MkvError("element runs past its parent")
        out.append((head[0], data[start : start + size[0]]))
        pos = start + size[0]
    return out


@dataclass(frozen=True)
class Track:
    number: int
    codec_id: str
    codec_private: bytes
    width: int
    height: int


@dataclass
class Header:
    """The current document's header: what each fragment is wrapped with."""

    ebml: bytes = b""
    info: bytes = b""
    tracks_element: bytes = b""
    timecode_scale: int = 1_000_000
    tracks: dict[int, Track] = field(default_factory=dict)

    def complete(self) -> bool:
        return bool(self.ebml and self.tracks_element)


@dataclass(frozen=True)
class Block:
    track: int
    timecode: int  # relative to the Cluster, in TimecodeScale units
    keyframe: bool


@dataclass(frozen=True)
class ClusterStart:
    timecode_ms: int  # the Cluster's Timecode, in ms


@dataclass(frozen=True)
class Fragment:
    timecode_ms: int
    duration_ms: int
    blocks: tuple[Block, ...]
    tracks: dict[int, Track]
    document: bytes  # header + Segment + Info + Tracks + this Cluster


def parse_tracks(payload: bytes) -> dict[int, Track]:
    tracks = {}
    for element_id, entry in children(payload):
        if element_id != TRACK_ENTRY:
            continue
        fields = dict(children(entry))
        video = dict(children(fields[VIDEO])) if VIDEO in fields else {}
        number = read_uint(fields.get(TRACK_NUMBER, b""))
        tracks[number] = Track(
            number=number,
            codec_id=fields.get(CODEC_ID, b"").decode("ascii", "replace"),
            codec_private=fields.get(CODEC_PRIVATE, b""),
            width=read_uint(video.get(PIXEL_WIDTH, b"")),
            height=read_uint(video.get(PIXEL_HEIGHT, b"")),
        )
    if not tracks:
        raise MkvError("Tracks holds no TrackEntry")
    return tracks


def parse_block(payload: bytes) -> Block:
    track = read_size(payload, 0)
    if track is None or track[0] is None or len(payload) < track[1] + 3:
        raise MkvError("truncated SimpleBlock")
    pos = track[1]
    timecode = int.from_bytes(payload[pos : pos + 2], "big", signed=True)
    return Block(track=track[0], timecode=timecode, keyframe=bool(payload[pos + 2] & 0x80))


@dataclass
class _OpenCluster:
    start: int  # offset of the Cluster's id in the buffer
    cursor: int  # next child to read
    end: int | None  # offset past the Cluster (None: unknown size)
    timecode: int | None = None
    blocks: list[Block] = field(default_factory=list)


class MkvSplitter:
    """Feed it a PutMedia body in pieces; it returns ClusterStart and Fragment events."""

    def __init__(self, max_fragment_bytes: int = MAX_FRAGMENT_BYTES) -> None:
        self.header = Header()
        self.max_fragment_bytes = max_fragment_bytes
        self._buffer = bytearray()
        self._cluster: _OpenCluster | None = None

    def feed(self, data: bytes) -> list[ClusterStart | Fragment]:
        self._buffer += data
        events: list[ClusterStart | Fragment] = []
        while self._step(events):
            pass
        return events

    def finish(self) -> list[ClusterStart | Fragment]:
        """End of the body: a Cluster of unknown size ends here; a partial element is an error."""
        events: list[ClusterStart | Fragment] = []
        cluster = self._cluster
        if cluster is not None and cluster.end is None and cluster.cursor == len(self._buffer):
            events.append(self._close(cluster, len(self._buffer)))
        elif cluster is not None or self._buffer:
            raise MkvError("the body ended inside an element")
        return events

    def _step(self, events: list) -> bool:
        if self._cluster is not None:
            return self._advance_cluster(events)
        head = read_id(self._buffer, 0)
        size = read_size(self._buffer, head[1]) if head else None
        if head is None or size is None:
            return False
        element_id, (length, size_len) = head[0], size
        header_len = head[1] + size_len
        if element_id == SEGMENT:
            del self._buffer[:header_len]  # enter: its children follow at this level
            return True
        if element_id == CLUSTER:
            if not self.header.complete():
                raise MkvError("a Cluster before the EBML header and Tracks")
            end = None if length is None else header_len + length
            self._cluster = _OpenCluster(start=0, cursor=header_len, end=end)
            return True
        if length is None:
            raise MkvError(f"element 0x{element_id:X} of unknown size")
        if len(self._buffer) < header_len + length:
            if header_len + length > self.max_fragment_bytes:
                raise FragmentTooLarge("element over the fragment size limit")
            return False
        raw = bytes(self._buffer[: header_len + length])
        del self._buffer[: header_len + length]
        self._header_element(element_id, raw, raw[header_len:])
        return True

    def _header_element(self, element_id: int, raw: bytes, payload: bytes) -> None:
        if element_id == EBML_HEADER:
            self.header = Header(ebml=raw)  # a chained document: a new header
        elif element_id == INFO:
            self.header.info = raw
            scale = dict(children(payload)).get(TIMECODE_SCALE)
            self.header.timecode_scale = read_uint(scale) if scale else 1_000_000
        elif element_id == TRACKS:
            self.header.tracks_element = raw
            self.header.tracks = parse_tracks(payload)
        # SeekHead, Cues, Tags, Void, ...: nothing a fragment needs

    def _advance_cluster(self, events: list) -> bool:
        cluster = self._cluster
        assert cluster is not None
        while True:
            if cluster.end is not None and cluster.cursor >= cluster.end:
                events.append(self._close(cluster, cluster.end))
                return True
            if cluster.cursor - cluster.start > self.max_fragment_bytes:
                raise FragmentTooLarge("fragment over 50 MB")
            head = read_id(self._buffer, cluster.cursor)
            if head is None:
                return False
            if cluster.end is None and head[0] in _LEVEL1:
                events.append(self._close(cluster, cluster.cursor))
                return True
            size = read_size(self._buffer, cluster.cursor + head[1])
            if size is None:
                return False
            if size[0] is None:
                raise MkvError("an unsized element inside a Cluster")
            start = cluster.cursor + head[1] + size[1]
            if len(self._buffer) < start + size[0]:
                return False
            self._cluster_child(cluster, head[0], bytes(self._buffer[start : start + size[0]]), events)
            cluster.cursor = start + size[0]

    def _cluster_child(self, cluster: _OpenCluster, element_id: int, payload: bytes, events: list) -> None:
        if element_id == CLUSTER_TIMECODE:
            cluster.timecode = read_uint(payload)
            events.append(ClusterStart(self._ms(cluster.timecode)))
        elif element_id == SIMPLE_BLOCK:
            cluster.blocks.append(parse_block(payload))
        elif element_id == BLOCK_GROUP:
            block = dict(children(payload)).get(BLOCK)
            if block is not None:
                # A Block has no keyframe flag: KVS reads a lone one as a key frame.
                parsed = parse_block(block)
                cluster.blocks.append(Block(parsed.track, parsed.timecode, not cluster.blocks))

    def _close(self, cluster: _OpenCluster, end: int) -> Fragment:
        if cluster.timecode is None:
            raise MkvError("a Cluster without a Timecode")
        raw = bytes(self._buffer[cluster.start : end])
        del self._buffer[:end]
        self._cluster = None
        header = self.header
        document = header.ebml + SEGMENT.to_bytes(4, "big") + _UNKNOWN_SEGMENT_SIZE
        document += header.info + header.tracks_element + raw
        return Fragment(
            timecode_ms=self._ms(cluster.timecode),
            duration_ms=self._duration_ms(cluster.blocks),
            blocks=tuple(cluster.blocks),
            tracks=dict(header.tracks),
            document=document,
        )

    def _ms(self, timecode: int) -> int:
        return timecode * self.header.timecode_scale // 1_000_000

    def _duration_ms(self, blocks: list[Block]) -> int:
        """From the first to past the last frame (one average frame interval after it)."""
        if not blocks:
            return 0
        times = sorted({b.timecode for b in blocks})
        span = times[-1] - times[0]
        frame = span / (len(times) - 1) if len(times) > 1 else 0
        return round((span + frame) * self.header.timecode_scale / 1_000_000)
