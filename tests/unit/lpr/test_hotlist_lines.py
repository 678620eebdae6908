"""rtcc.lpr.hotlists.lines: byte budget, one encoding per file, CRLF, long lines."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rtcc.lpr.hotlists.lines import (
    CHUNK,
    LOOKAHEAD_BYTES,
    MAX_LINE_BYTES,
    HotlistFormatError,
    HotlistTooLarge,
    read_lines,
)


def _texts(data: bytes, **kwargs) -> list[tuple[int, str | None, str | None]]:
    kwargs.setdefault("max_bytes", 1 << 20)
    return [(line.number, line.text, line.problem) for line in read_lines(io.BytesIO(data), **kwargs)]


def test_crlf_lf_and_a_last_line_without_newline() -> None:
    assert _texts(b"A;MA\r\nB;NY\nC;CA") == [(1, "A;MA", None), (2, "B;NY", None), (3, "C;CA", None)]


def test_utf8_bom_is_dropped_and_the_file_is_utf8() -> None:
    assert _texts("\ufeffABC123;QC;Vol signalé\r\n".encode()) == [(1, "ABC123;QC;Vol signalé", None)]


def test_latin1_is_decided_for_the_whole_file_not_per_row() -> None:
    # Two ASCII lines, then Latin-1 bytes: the file is Latin-1 (the ASCII lines read the same),
    # and a later line that happens to be valid UTF-8 is still read as Latin-1.
    data = b"AAA111;MA\nBBB222;MA\nCCC333;QC;Vol signal\xe9\nDDD444;QC;\xc3\xa9\n"
    assert _texts(data)[2:] == [(3, "CCC333;QC;Vol signalé", None), (4, "DDD444;QC;Ã©", None)]


def test_latin1_that_reads_as_utf8_at_first_is_still_latin1() -> None:
    # "Â¡" in Latin-1 is the bytes C2 A1, valid UTF-8 ("¡"): held, then a line that is
    # not UTF-8 decides Latin-1 for both.
    data = "AAA111;MA;Â¡\n".encode("latin-1") + "BBB222;QC;Volé\n".encode("latin-1")
    assert _texts(data) == [(1, "AAA111;MA;Â¡", None), (2, "BBB222;QC;Volé", None)]


def test_a_latin1_line_far_into_a_utf8_file_is_rejected_not_guessed() -> None:
    utf8 = "AAA111;QC;Vol signalé\n".encode() * (LOOKAHEAD_BYTES // 20)
    lines = _texts(utf8 + b"BBB222;QC;Vol signal\xe9\nCCC333;MA\n", max_bytes=1 << 24)
    rows = LOOKAHEAD_BYTES // 20
    assert lines[0] == (1, "AAA111;QC;Vol signalé", None)
    assert lines[rows][:2] == (rows + 1, None) and "mixed encodings" in lines[rows][2]
    assert lines[rows + 1] == (rows + 2, "CCC333;MA", None)


def test_a_forced_encoding_rejects_lines_it_cannot_decode() -> None:
    assert _texts(b"ABC\xff\n", encoding="utf-8") == [(1, None, "not valid utf-8")]


def test_utf16_is_refused_for_the_file() -> None:
    with pytest.raises(HotlistFormatError, match="UTF-16"):
        _texts("ABC123;MA\n".encode("utf-16"))


@pytest.mark.parametrize("data", [b"PK\x03\x04\x14\x00\x06\x00", "ABC123;MA\n".encode("utf-16-le")])
def test_a_binary_file_is_refused_for_the_file(data: bytes) -> None:
    with pytest.raises(HotlistFormatError, match="binary"):
        _texts(data)


def test_a_long_line_is_rejected_without_buffering_it() -> None:
    data = b"A" * (MAX_LINE_BYTES * 3) + b"\nABC123;MA\n"
    lines = _texts(data)
    assert lines[0][:2] == (1, None) and "longer than" in lines[0][2]
    assert lines[1] == (2, "ABC123;MA", None)


def test_an_oversize_upload_is_refused_before_it_is_read_whole() -> None:
    consumed = []

    def chunks() -> Iterator[bytes]:
        for index in range(100):
            consumed.append(index)
            yield b"ABC123;MA\n" * (CHUNK // 10)

    with pytest.raises(HotlistTooLarge, match="over the 200,000-byte limit"):
        list(read_lines(chunks(), max_bytes=200_000))
    assert len(consumed) < 5  # stopped at the chunk that crossed the limit


def test_rows_stream_through_in_bounded_memory() -> None:
    """Lines come out while the upload is still being read, at most the encoding's 256 KB
    lookahead and a chunk ahead of them: the 2.8 MB file (200,000 rows, generated as they
    are read; bench/lpr.py parses 1,000,000) is never held whole. Counted in chunks, not
    measured with tracemalloc, which also counts other threads' and coverage's allocations."""
    read = 0
    rows_per_chunk, chunk_bytes = 5000, 5000 * len("P0000000;MA\r\n")
    ahead = 256 * 1024 // chunk_bytes + 2  # the lookahead, and the chunk being split

    def chunks() -> Iterator[bytes]:
        nonlocal read
        for block in range(40):
            read += 1
            yield b"".join(f"P{block:03d}{n:04d};MA\r\n".encode() for n in range(rows_per_chunk))

    count = 0
    for count, _ in enumerate(read_lines(chunks(), max_bytes=1 << 30), start=1):
        assert read <= count // rows_per_chunk + ahead
    assert count == 200_000 and read == 40
