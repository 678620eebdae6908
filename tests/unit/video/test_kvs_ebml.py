"""The stand-in's EBML splitter (rtcc.local.kvs_media.ebml): a PutMedia body cut into
fragments however its bytes arrive, chained documents, unknown sizes, and what is not
Matroska refused."""

from __future__ import annotations

import pytest
from rtcc.local.kvs_media.ebml import (
    CLUSTER,
    ClusterStart,
    Fragment,
    FragmentTooLarge,
    MkvError,
    MkvSplitter,
    read_size,
)

from tests.support.kvs_feed import cluster, element, header

AVCC = bytes([1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 4]) + b"\x67\x42\xc0\x1e" + b"\x01\x00\x02\x68\xce"
T0 = 1_764_000_000_000


def _frames(count: int = 30, step: int = 66) -> list[tuple[int, bool, bytes]]:
    return [
        (i * step, i == 0, b"\x00\x00\x00\x02\x65\x88" if i == 0 else b"\x00\x00\x00\x02\x41\x9a")
        for i in range(count)
    ]


def _split(body: bytes, piece: int) -> list[ClusterStart | Fragment]:
    splitter = MkvSplitter()
    events: list[ClusterStart | Fragment] = []
    for at in range(0, len(body), piece):
        events += splitter.feed(body[at : at + piece])
    return events + splitter.finish()


@pytest.mark.parametrize("piece", [1, 7, 1000, 1 << 20])
def test_one_header_then_clusters_split_however_the_bytes_come(piece: int) -> None:
    body = header(AVCC, 320, 240) + cluster(T0, _frames()) + cluster(T0 + 2000, _frames())
    events = _split(body, piece)
    assert [type(e).__name__ for e in events] == ["ClusterStart", "Fragment"] * 2
    first, second = events[1], events[3]
    assert (first.timecode_ms, second.timecode_ms) == (T0, T0 + 2000)
    assert first.duration_ms == 30 * 66
    assert first.tracks[1].codec_private == AVCC and (first.tracks[1].width, first.tracks[1].height) == (
        320,
        240,
    )
    assert first.blocks[0].keyframe and not first.blocks[1].keyframe
    # Each fragment is a document on its own: the header, then its one Cluster.
    for fragment, timecode in ((first, T0), (second, T0 + 2000)):
        assert fragment.document.startswith(bytes.fromhex("1A45DFA3"))
        assert fragment.document.count(CLUSTER.to_bytes(4, "big")) == 1
        assert fragment.document.endswith(cluster(timecode, _frames()))


def test_chained_documents_take_each_ones_own_header() -> None:
    other = AVCC.replace(b"\x1e", b"\x1f")
    body = (
        header(AVCC, 320, 240)
        + cluster(T0, _frames())
        + header(other, 640, 480)
        + cluster(T0 + 2000, _frames())
    )
    fragments = [e for e in _split(body, 4096) if isinstance(e, Fragment)]
    assert [f.tracks[1].width for f in fragments] == [320, 640]
    assert fragments[1].tracks[1].codec_private == other


def test_a_cluster_of_unknown_size_ends_at_the_next_cluster_or_the_body() -> None:
    def unsized(timecode: int) -> bytes:
        known = cluster(timecode, _frames(5))
        return CLUSTER.to_bytes(4, "big") + b"\x01\xff\xff\xff\xff\xff\xff\xff" + known[12:]

    body = header(AVCC, 320, 240) + unsized(T0) + unsized(T0 + 1000)
    fragments = [e for e in _split(body, 33) if isinstance(e, Fragment)]
    assert [f.timecode_ms for f in fragments] == [T0, T0 + 1000]
    assert all(len(f.blocks) == 5 for f in fragments)


def test_timecode_scale_is_applied() -> None:
    body = header(AVCC, 320, 240).replace(
        element(0x2AD7B1, (1_000_000).to_bytes(3, "big")), element(0x2AD7B1, (100_000).to_bytes(3, "big"))
    )
    events = _split(body + cluster(50_000, _frames(3, 10)), 100)
    assert events[0] == ClusterStart(5_000)
    assert events[1].duration_ms == 3  # 30 units of 0.1 ms


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x00 not matroska at all",  # no valid element id
        cluster(T0, _frames()),  # a Cluster before any header
        header(AVCC, 320, 240) + element(CLUSTER, element(0xA3, b"\x81\x00\x00\x80x")),  # no Timecode
    ],
)
def test_what_is_not_matroska_is_refused(body: bytes) -> None:
    with pytest.raises(MkvError):
        _split(body, 64)


def test_a_body_ending_inside_an_element_is_refused_at_the_end() -> None:
    body = header(AVCC, 320, 240) + cluster(T0, _frames())
    splitter = MkvSplitter()
    assert [type(e) for e in splitter.feed(body[:-10])] == [ClusterStart]
    with pytest.raises(MkvError):
        splitter.finish()


def test_a_fragment_over_the_size_limit_is_refused_before_it_is_buffered() -> None:
    splitter = MkvSplitter(max_fragment_bytes=10_000)
    splitter.feed(header(AVCC, 320, 240))
    big = [(i, i == 0, b"\x00" * 1000) for i in range(20)]
    with pytest.raises(FragmentTooLarge):
        splitter.feed(cluster(T0, big))


def test_ebml_sizes() -> None:
    assert read_size(b"\x81", 0) == (1, 1)
    assert read_size(b"\x40\x02", 0) == (2, 2)
    assert read_size(b"\x01\xff\xff\xff\xff\xff\xff\xff", 0) == (None, 8)
    assert read_size(b"\x40", 0) is None  # needs one more byte
    with pytest.raises(MkvError):
        read_size(b"\x00", 0)
