"""Stored fragments (Matroska) remuxed with PyAV, without re-encoding: fragmented MP4
(an init segment and a moof+mdat media segment) or MPEG-TS for HLS, and a plain MP4 for
GetClip.

Media segments keep the producer's timeline, counted from ORIGIN_MS (not from the Unix
epoch: a 64-bit decode time past 2^53 would lose precision in a browser's player), so
consecutive segments follow each other as KVS's do."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

#: 2020-01-01T00:00:00Z: HLS timestamps count from here.
ORIGIN_MS = 1_577_836_800_000
_FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}


def _packets(documents: list[bytes]) -> Iterator[tuple[object, object]]:
    """(input stream, packet) of every frame of `documents`, timestamps in ms."""
    import av

    for document in documents:
        with av.open(io.BytesIO(document), format="matroska") as source:
            stream = source.streams.video[0]
            for packet in source.demux(stream):
                if packet.dts is not None and packet.size:
                    yield stream, packet


def _mux(documents: list[bytes], format: str, options: dict[str, str], shift_ms: int) -> bytes:
    import av

    out_buffer = io.BytesIO()
    with av.open(out_buffer, "w", format=format, options=options) as out:
        target = None
        for stream, packet in _packets(documents):
            if target is None:
                target = out.add_stream_from_template(stream)
            packet.pts = None if packet.pts is None else packet.pts - shift_ms
            packet.dts = packet.dts - shift_ms
            packet.stream = target
            out.mux(packet)
    return out_buffer.getvalue()


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the ISO-BMFF boxes in data[start:end]."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        size = size or end - pos
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, kind: bytes, start: int = 0, end: int | None = None) -> tuple[int, int]:
    for found, payload, box_end in _boxes(data, start, end):
        if found == kind:
            return payload, box_end
    raise ValueError(f"no {kind.decode()} box")


def _timescale(init: bytes) -> int:
    """The video track's timescale (moov/trak/mdia/mdhd)."""
    span = _child(init, b"moov")
    for kind in (b"trak", b"mdia", b"mdhd"):
        span = _child(init, kind, *span)
    at = span[0] + (20 if init[span[0]] == 1 else 12)
    return struct.unpack(">I", init[at : at + 4])[0]


def _shift_decode_times(media: bytearray, offset: int) -> None:
    """Adds `offset` to every tfdt (the muxer starts each output at zero)."""
    for kind, start, end in _boxes(bytes(media)):
        if kind != b"moof":
            continue
        for traf, t_start, t_end in _boxes(bytes(media), start, end):
            if traf != b"traf":
                continue
            for tfdt, d_start, _ in _boxes(bytes(media), t_start, t_end):
                if tfdt == b"tfdt":
                    if media[d_start] != 1:
                        raise ValueError("a 32-bit tfdt")
                    value = struct.unpack(">Q", media[d_start + 4 : d_start + 12])[0]
                    media[d_start + 4 : d_start + 12] = struct.pack(">Q", value + offset)


def fmp4(document: bytes, producer_ms: int) -> tuple[bytes, bytes]:
    """(init segment, media segment) of one fragment, its decode time from ORIGIN_MS."""
    data = _mux([document], "mp4", _FRAGMENTED, shift_ms=0)
    first_moof = next(start - 8 for kind, start, _ in _boxes(data) if kind == b"moof")
    init, media = data[:first_moof], bytearray(data[first_moof:])
    _shift_decode_times(media, (producer_ms - ORIGIN_MS) * _timescale(init) // 1000)
    return init, bytes(media)


def mpegts(document: bytes) -> bytes:
    return _mux([document], "mpegts", {}, shift_ms=ORIGIN_MS)


def mp4_clip(documents: list[bytes], first_ms: int) -> bytes:
    """One MP4 file of the fragments, starting at zero."""
    return _mux(documents, "mp4", {}, shift_ms=first_ms)
