"""The stand-in's remuxing (rtcc.local.kvs_media.remux): consecutive fMP4 media segments
keep the producer's timeline (each tfdt moved from the muxer's zero to the fragment's time),
so init + segment + segment plays on; MPEG-TS and a GetClip MP4 decode whole."""

from __future__ import annotations

import io

import av
from rtcc.local.kvs_media import remux
from rtcc.local.kvs_media.ebml import Fragment, MkvSplitter

from tests.support.kvs_feed import encode_fragments

T0 = 1_764_000_000_000


def _fragments() -> list[Fragment]:
    body = b"".join(f.document for f in encode_fragments(4, T0))
    return [e for e in MkvSplitter().feed(body) if isinstance(e, Fragment)]


def _times(data: bytes, format: str | None = None) -> list[float]:
    with av.open(io.BytesIO(data), format=format) as container:
        return [frame.time for frame in container.decode(container.streams.video[0])]


def test_consecutive_fmp4_segments_continue_the_producer_timeline() -> None:
    first, second = _fragments()
    init, media_1 = remux.fmp4(first.document, first.timecode_ms)
    _, media_2 = remux.fmp4(second.document, second.timecode_ms)
    times = _times(init + media_1 + media_2)
    assert len(times) == 60
    assert times == sorted(times)
    assert abs(times[0] - (T0 - remux.ORIGIN_MS) / 1000) < 0.001
    assert abs(times[30] - times[0] - 2.0) < 0.001  # the second segment starts 2 s on


def test_an_mpeg_ts_segment_and_a_clip_decode_whole() -> None:
    first, second = _fragments()
    assert len(_times(remux.mpegts(first.document), "mpegts")) == 30
    clip = remux.mp4_clip([first.document, second.document], first.timecode_ms)
    times = _times(clip)
    assert len(times) == 60 and times[0] == 0.0 and abs(times[-1] - 59 / 15) < 0.01
