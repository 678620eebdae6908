"""A hotlist upload as numbered text lines: a byte budget, one encoding per file, CRLF.

Bounded memory: the upload is read in chunks of CHUNK bytes and cut into lines as it
comes, so a 1,000,000-row file never sits in memory whole. The byte count is checked
before each chunk is used: a file over the budget raises HotlistTooLarge having read at
most one chunk past the limit. A line over MAX_LINE_BYTES is not buffered (its bytes are
skipped to the next newline) and comes out as a rejected line.

Encoding is decided for the file, not guessed per row: a UTF-8 byte-order mark means
UTF-8 (the mark is dropped). Otherwise ASCII lines (which read the same in both) pass
straight on; from the first non-ASCII line, lines are held until either a line that is not
valid UTF-8 comes (the file is Latin-1, the held lines included: a Latin-1 "Â¡" happens to
be valid UTF-8) or LOOKAHEAD_BYTES of UTF-8 text have come (the file is UTF-8; a later
line that is not is rejected as mixed encodings), or the file ends. So the only file read
wrongly is a Latin-1 one whose every non-ASCII run is also valid UTF-8 for its first
256 KB, which real text (a letter then a symbol such as "Ã©") practically never is. A
UTF-16 mark or a binary file is refused whole (Excel's "Unicode text", an xlsx): they
would otherwise come out as a rejection per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 64 * 1024
#: No hotlist row (a plate, a state and a few attributes) comes near this; a longer line
#: is a wrong file (a binary, a one-line JSON dump) and must not be buffered.
MAX_LINE_BYTES = 4096
#: How much text after the first non-ASCII line is read before UTF-8 is decided.
LOOKAHEAD_BYTES = 256 * 1024
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
        self.encoding = encoding  # None until given, marked or decided
        self.forced = encoding is not None
        # Lines since the first non-ASCII one, while it and those after it read as UTF-8:
        # held (up to LOOKAHEAD_BYTES) until a line that is not UTF-8 says Latin-1.
        self._held: list[tuple[int, bytes | Line]] = []
        self._held_bytes = 0

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

    def push(self, number: int, raw: bytes | None) -> list[Line]:
        """The lines ready to hand on after line `number` (raw None: it was too long)."""
        line = Line(number, None, f"line longer than {MAX_LINE_BYTES} bytes") if raw is None else None
        if self.encoding is not None:
            return [line or self._decoded(number, raw or b"")]
        if not self._held and (raw is None or raw.isascii()):
            return [line or Line(number, (raw or b"").decode("ascii"))]
        if raw is not None and not raw.isascii() and not _is_utf8(raw):
            self.encoding = "latin-1"  # the held lines were UTF-8 by chance: Latin-1 reads them too
            return [*self._release(), self._decoded(number, raw)]
        self._held.append((number, line or raw))
        self._held_bytes += len(raw or b"")
        if self._held_bytes > LOOKAHEAD_BYTES:
            self.encoding = "utf-8"
            return self._release()
        return []

    def finish(self) -> list[Line]:
        self.encoding = self.encoding or "utf-8"
        return self._release()

    def _release(self) -> list[Line]:
        held, self._held, self._held_bytes = self._held, [], 0
        return [item if isinstance(item, Line) else self._decoded(number, item) for number, item in held]

    def _decoded(self, number: int, raw: bytes) -> Line:
        try:
            return Line(number, raw.decode(self.encoding or "utf-8"))
        except UnicodeDecodeError:
            if self.forced:
                return Line(number, None, f"not valid {self.encoding}")
            return Line(number, None, "not valid UTF-8 although the file's start is (mixed encodings)")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_lines(
    source: BinaryIO | Iterable[bytes], *, max_bytes: int, encoding: str | None = None
) -> Iterator[Line]:
    """Numbered lines of an upload (a binary file or an iterable of byte chunks), each
    without its line ending (LF or CRLF). `encoding` forces one; None detects it."""
    decoder = _Decoder(encoding)
    for number, (raw, too_long) in enumerate(_raw_lines(_chunks(source, max_bytes)), start=1):
        if number == 1:
            raw = decoder.first(raw)
        yield from decoder.push(number, None if too_long else raw.removesuffix(b"\r"))
    yield from decoder.finish()
