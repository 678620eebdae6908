"""Removing who-wrote-it metadata from tipster PDFs.

A PDF saved from an office suite names its author (often the tipster's full name), the
organisation, the software, and when it was written and edited, in its document
information dictionary and XMP packets; comments carry their author's name; editors keep
private data (`/PieceInfo`) and earlier revisions (incremental updates, which can hold
deleted text); a photo placed in it keeps its JPEG EXIF (camera, GPS).

The file is rewritten from its current pages alone, so the document information, the
catalog (its XMP, embedded files, document JavaScript, outlines) and old revisions are
left behind. On each page and everything it draws (images, forms, annotation
appearances): XMP, `/PieceInfo`, `/LastModified`, article beads, additional actions and
scripts are removed, annotation authors and dates too, and embedded JPEGs lose their
APP1-APP13/APP15 and comment segments (EXIF, XMP, IPTC) and anything after their end
(the image data is not touched). A PDF with attached or embedded files or media is
refused: such a file can be of any type and cannot be cleaned here, so the tipster is
asked to send it on its own.

Anything that cannot be read or cleaned (damaged, encrypted, absurdly large) is refused
with a reason rather than stored with its metadata.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

# pypdf reports every oddity of a sloppy PDF as a warning: noise, and never about the tipster.
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: More pages than any tip needs; a page tree that claims (or expands to) more is refused
#: before it can tie up the media function.
MAX_PAGES = 500
#: Objects visited per file: far more than real documents have.
MAX_OBJECTS = 200_000
_DROP = ("/Metadata", "/PieceInfo", "/LastModified", "/AA")
_ANNOTATION_DROP = ("/T", "/M", "/CreationDate")
_EMBEDDING_ANNOTATIONS = frozenset({"/FileAttachment", "/Screen", "/RichMedia", "/3D", "/Movie", "/Sound"})
_PAGE_KEYS = frozenset(
    {
        "/Type",
        "/Parent",
        "/Resources",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/BoxColorInfo",
        "/Contents",
        "/Rotate",
        "/Group",
        "/Thumb",
        "/Dur",
        "/Trans",
        "/Annots",
        "/StructParents",
        "/Tabs",
        "/UserUnit",
        "/VP",
        "/OutputIntents",
    }
)


class PdfRejected(ValueError):
    pass


def strip_pdf_metadata(data: bytes) -> bytes:
    try:
        return _rewrite(data)
    except PdfRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a crafted file is a clean refusal
        raise PdfRejected(
            f"could not remove metadata: the PDF could not be read ({type(exc).__name__})"
        ) from None


def _rewrite(data: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise PdfRejected("encrypted PDFs cannot be cleaned of their metadata; send it unprotected")
    if len(reader.pages) > MAX_PAGES:
        raise PdfRejected(f"too many pages to check ({len(reader.pages)}; at most {MAX_PAGES})")
    writer = PdfWriter()
    seen: set[int] = set()
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        if number > MAX_PAGES:  # the page tree expands to more than it claimed
            raise PdfRejected(f"too many pages to check (more than {MAX_PAGES})")
        pages.append(page)
    # Every page is cleaned before any is copied: copying follows references (an
    # annotation's /P to another page) and a key dropped after copying would still leave
    # its (now unreferenced) object in the written file.
    for page in pages:
        _clean(page, seen)
    for page in pages:
        writer.add_page(page)
    writer.metadata = None  # no document information dictionary at all (not even ours)
    writer.compress_identical_objects(remove_identicals=False, remove_orphans=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _clean(page: Any, seen: set[int]) -> None:
    """Walk everything `page` references (resources, images, forms, annotations, their
    appearances, and anything reachable from them, page tree parents excepted) and remove
    metadata wherever it is. Every object is visited, not only those under the keys a
    viewer uses, so a renamed or damaged key cannot hide a photo's EXIF."""
    stack = [page]
    while stack:
        obj = _resolve(stack.pop())
        if isinstance(obj, ArrayObject):
            if id(obj) not in seen:
                seen.add(id(obj))
                stack.extend(obj)
            continue
        if not isinstance(obj, DictionaryObject) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise PdfRejected(f"too many objects to check (more than {MAX_OBJECTS})")
        _clean_one(obj)
        stack.extend(value for key, value in obj.items() if key != "/Parent")


def _clean_one(obj: DictionaryObject) -> None:
    for key in _DROP:
        obj.pop(NameObject(key), None)
    if obj.get("/Type") == "/Page":
        # A page keeps only what the PDF standard defines for drawing it: article beads
        # (their thread names an author), editor data and any private key are dropped.
        for key in [k for k in obj if k not in _PAGE_KEYS]:
            del obj[key]
    if obj.get("/S") == "/JavaScript":  # a script action, wherever it is reached from
        obj.pop(NameObject("/JS"), None)
    if "/EF" in obj or "/EmbeddedFile" in (obj.get("/Type"), obj.get("/Subtype")):
        raise PdfRejected("PDFs with attached files are not accepted; send the attached file on its own")
    if "/Rect" in obj and "/Subtype" in obj:  # an annotation
        if obj.get("/Subtype") in _EMBEDDING_ANNOTATIONS:
            raise PdfRejected("PDFs with attached files or media are not accepted; send the file on its own")
        for key in _ANNOTATION_DROP:
            obj.pop(NameObject(key), None)
    if isinstance(obj, StreamObject):
        filters = obj.get("/Filter")
        names = [str(f) for f in filters] if isinstance(filters, ArrayObject) else [str(filters)]
        if "/JPXDecode" in names:
            raise PdfRejected(
                "PDFs with JPEG 2000 images are not accepted (their metadata cannot be removed)"
            )
        if "/DCTDecode" in names and len(names) > 1:
            raise PdfRejected("could not remove metadata: a JPEG stored inside another encoding")
        if obj._data[:2] == b"\xff\xd8":  # a JPEG, whatever its filter is called
            obj._data = jpeg_without_metadata(obj._data)


def jpeg_without_metadata(jpeg: bytes) -> bytes:
    """A JPEG without its APP1-APP13, APP15 and comment segments (EXIF, XMP, IPTC,
    maker data). APP0 (JFIF) and APP14 (Adobe colour transform) stay: the image needs
    them; the compressed image data is copied untouched."""
    if jpeg[:2] != b"\xff\xd8":
        raise PdfRejected("could not remove metadata: an embedded image is not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(jpeg):
        if jpeg[pos] != 0xFF:
            raise PdfRejected("could not remove metadata: a malformed embedded JPEG")
        if jpeg[pos + 1] == 0xFF:  # fill bytes before a marker
            pos += 1
            continue
        marker = jpeg[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        segment = jpeg[pos : pos + 2 + length]
        if length < 2 or len(segment) < 2 + length:
            raise PdfRejected("could not remove metadata: a malformed embedded JPEG")
        if not (0xE1 <= marker <= 0xED or marker in (0xEF, 0xFE)):
            out += segment
        pos += 2 + length
    # The image data up to its end marker; whatever follows (a second picture appended the
    # way phones store multi-picture files, with its own EXIF) is dropped.
    eoi = jpeg.find(b"\xff\xd9", pos)
    out += jpeg[pos : eoi + 2] if eoi != -1 else jpeg[pos:]
    return bytes(out)


def _resolve(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value
