"""A hotlist upload as numbered text lines: a byte budget, one encoding per file, CRLF.

Bounded memory: the upload is read in chunks of CHUNK bytes and cut into lines as it
comes, so a 1,000,000-row file never sits in memory whole. The byte count is checked
before each chunk is used: a file over the budget raises HotlistTooLarge having read at
most one chunk past the limit. A line over MAX_LINE_BYTES is not buffered (its bytes are
skipped to the next newline) and comes out as a rejected line.

Encoding is decided for the file, not guessed per row: a UTF-8 byte-order mark means
UTF-8 (the mark is dropped); otherwise UTF-8 until the first line that is not valid UTF-8.
If every line before it was plain ASCII (which reads the same in both), the whole file is
Latin-1, its earlier lines included. If an earlier line already held UTF-8 text, the file
mixes encodings: that line is rejected and the file stays UTF-8. A UTF-16 mark is refused
for the file (Excel's "Unicode text"): it would otherwise read as Latin-1 garbage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 64 * 1024
#: No hotlist row (a plate, a state and a few attributes) comes near this; a longer line
#: is a wrong file (a binary, a one-line JSON dump) and must not be buffered.
MAX_LINE_BYTES = 4096
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class HotlistTooLarge(ValueError):
    """The upload exceeds the configured size; nothing of it is imported."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"hotlist file is over the {limit:,}-byte limit: refused, nothing imported")
        self.limit = limit


class HotlistFormatError(ValueError):
    """A problem with the whole file (encoding, header), not one row: nothing is imported."""


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as an editor shows it
    text: str | None  # None when the line could not be read; `problem` says why
    problem: str | None = None


def _chunks(source: BinaryIO | Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    read = getattr(source, "read", None)
    chunks = iter(lambda: read(CHUNK), b"") if read is not None else iter(source)
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise HotlistTooLarge(max_bytes)
        yield chunk


def _raw_lines(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """(line bytes without the newline, too long?) for each line."""
    pending, too_long = bytearray(), False
    for chunk in chunks:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            end = newline if newline >= 0 else len(chunk)
            if not too_long:
                pending += chunk[start:end]
                if len(pending) > MAX_LINE_BYTES:
                    too_long = True
                    pending.clear()
            if newline < 0:
                break
            yield bytes(pending), too_long
            pending.clear()
            too_long, start = False, newline + 1
    if pending or too_long:
        yield bytes(pending), too_long


class _Decoder:
    """Decides the file's encoding from its lines as they come (see the module's doc)."""

    def __init__(self, encoding: str | None) -> None:
        self.encoding = encoding  # None while every line so far was ASCII
        self.forced = encoding is not None

    def first(self, raw: bytes) -> bytes:
        if raw.startswith(_UTF16_BOMS):
            raise HotlistFormatError("hotlist file is UTF-16: save it as UTF-8 (or Latin-1) text")
        if b"\x00" in raw or raw.startswith(b"PK\x03\x04"):
            # A spreadsheet (xlsx is a zip) or UTF-16 without a mark: every row would be
            # rejected one by one; one clear refusal says what to do instead.
            raise HotlistFormatError("hotlist file is binary (a spreadsheet?): export it as CSV or text")
        if raw.startswith(_UTF8_BOM):
            self.encoding = self.encoding or "utf-8"
            return raw[len(_UTF8_BOM) :]
        return raw

    def decode(self, number: int, raw: bytes) -> Line:
        if self.encoding is not None and (self.forced or self.encoding == "latin-1"):
            try:
                return Line(number, raw.decode(self.encoding))
            except UnicodeDecodeError:
                return Line(number, None, f"not valid {self.encoding}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if self.encoding is None:
                self.encoding = "latin-1"
                return Line(number, raw.decode("latin-1"))
            return Line(number, None, "not valid UTF-8 although earlier lines are UTF-8 (mixed encodings)")
        if not text.isascii():
            self.encoding = "utf-8"
        return Line(number, text)


def read_lines(
    source: BinaryIO | Iterable[bytes], *, max_bytes: int, encoding: str | None = None
) -> Iterator[Line]:
    """Numbered lines of an upload (a binary file or an iterable of byte chunks), each
    without its line ending (LF or CRLF). `encoding` forces one; None detects it."""
    decoder = _Decoder(encoding)
    for number, (raw, too_long) in enumerate(_raw_lines(_chunks(source, max_bytes)), start=1):
        if number == 1:
            raw = decoder.first(raw)
        if too_long:
            yield Line(number, None, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        yield decoder.decode(number, raw.removesuffix(b"\r"))
