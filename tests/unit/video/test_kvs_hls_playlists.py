"""The stand-in's HLS playlists and session tokens (rtcc.local.kvs_media.hls), as pure
functions: the live window, media sequence and discontinuity numbering by
DiscontinuityMode, a new init segment when the codec header changes, dated fragments."""

from __future__ import annotations

import time

from rtcc.local.kvs_media.hls import SessionSigner, master_playlist, media_playlist
from rtcc.local.kvs_media.store import StoredFragment

AVCC = "0142c01effe100"
OTHER = "014d401fffe100"
T0 = 1_764_000_000_000


def _fragment(index: int, start: int, codec: str = AVCC, duration: int = 2000) -> StoredFragment:
    number = f"{91343852333181432 * 10**30 + index}"
    return StoredFragment(number, start, start + 500, duration, 40_000, 320, 240, codec)


def _claims(mode: str = "ALWAYS", most: int = 5, container: str = "mp4", dated: bool = False) -> dict:
    return {"c": container, "d": mode, "t": dated, "m": most}


def _lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_the_live_window_is_the_latest_fragments() -> None:
    fragments = [_fragment(i, T0 + i * 2000) for i in range(8)]
    text = media_playlist(fragments, _claims(most=3), "tok")
    assert "#EXT-X-MEDIA-SEQUENCE:5" in text and "#EXT-X-TARGETDURATION:2" in text
    media = _lines(text, "getMP4MediaFragment.mp4")
    assert [m.split("FragmentNumber=")[1].split("&")[0] for m in media] == [
        f.fragment_number for f in fragments[5:]
    ]
    assert all(m.endswith("&SessionToken=tok") for m in media)
    assert "#EXT-X-ENDLIST" not in text  # LIVE
    # ALWAYS: a discontinuity between every two fragments, numbered from the start of the stream.
    assert text.splitlines().count("#EXT-X-DISCONTINUITY") == 2
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:5" in text
    assert len(_lines(text, "#EXT-X-MAP:")) == 1


def test_on_discontinuity_marks_gaps_only_and_never_marks_none() -> None:
    starts = [T0, T0 + 2000, T0 + 30_000, T0 + 32_000]  # a 26 s outage before the third
    fragments = [_fragment(i, s) for i, s in enumerate(starts)]
    text = media_playlist(fragments, _claims("ON_DISCONTINUITY"), "tok")
    body = text.split("#EXT-X-DISCONTINUITY-SEQUENCE:0\n", 1)[1].splitlines()
    marks = [i for i, line in enumerate(body) if line == "#EXT-X-DISCONTINUITY"]
    assert len(marks) == 1 and fragments[2].fragment_number in body[marks[0] + 2]
    assert "#EXT-X-DISCONTINUITY\n" not in media_playlist(fragments, _claims("NEVER"), "tok")


def test_a_new_codec_header_gets_a_discontinuity_and_its_own_init_segment() -> None:
    fragments = [_fragment(0, T0), _fragment(1, T0 + 2000), _fragment(2, T0 + 4000, OTHER)]
    text = media_playlist(fragments, _claims("NEVER"), "tok")
    maps = _lines(text, "#EXT-X-MAP:")
    assert len(maps) == 2 and fragments[2].fragment_number in maps[1]
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1
    ts = media_playlist(fragments, _claims("NEVER", container="ts"), "tok")
    assert not _lines(ts, "#EXT-X-MAP:") and len(_lines(ts, "getTSFragment.ts")) == 3


def test_dated_fragments_and_the_master_playlist() -> None:
    text = media_playlist([_fragment(0, T0)], _claims(dated=True), "tok")
    assert "#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:00.000Z" in text
    master = master_playlist([_fragment(0, T0)], _claims(), "tok")
    assert 'CODECS="avc1.42c01e",RESOLUTION=320x240' in master
    assert master.rstrip().endswith("getHLSMediaPlaylist.m3u8?SessionToken=tok")


def test_session_tokens_are_signed_and_expire() -> None:
    signer = SessionSigner()
    token = signer.issue({"s": "a", "exp": int(time.time()) + 60})
    assert signer.open(token)[0] == {"s": "a", "exp": int(time.time()) + 60}
    assert signer.open(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))[0] is None
    assert SessionSigner().open(token)[0] is None  # another stand-in's key
    expired = signer.issue({"s": "a", "exp": int(time.time()) - 1})
    assert signer.open(expired) == (None, "The session token has expired")
