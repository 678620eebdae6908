"""Tipster PDFs lose their author, XMP, comment authors and editor data; pages survive."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from rtcc.tips.pdfmeta import PdfRejected, strip_pdf_metadata

NAME = "Jane Tipster"


def _xmp(writer: PdfWriter) -> object:
    stream = DecodedStreamObject()
    stream.set_data(f"<x:xmpmeta><dc:creator>{NAME}</dc:creator></x:xmpmeta>".encode())
    stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    return writer._add_object(stream)


def office_pdf(pages: int = 2, password: str | None = None) -> bytes:
    """A PDF with what an office suite leaves in it: author, XMP, a comment by the author."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(300, 200)
    writer.add_metadata({"/Author": NAME, "/Creator": f"Writer on {NAME}'s laptop", "/Company": "Acme"})
    writer._root_object[NameObject("/Metadata")] = _xmp(writer)
    page = writer.pages[0]
    page[NameObject("/Metadata")] = _xmp(writer)
    page[NameObject("/PieceInfo")] = DictionaryObject({NameObject("/Word"): TextStringObject(NAME)})
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject(
                [FloatObject(10), FloatObject(10), FloatObject(30), FloatObject(30)]
            ),
            NameObject("/Contents"): TextStringObject("the car was red"),
            NameObject("/T"): TextStringObject(NAME),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_who_wrote_it_is_gone_and_the_pages_and_comments_stay() -> None:
    original = office_pdf()
    assert NAME.encode() in original  # the test would notice
    cleaned = strip_pdf_metadata(original)
    assert NAME.encode() not in cleaned and b"Acme" not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 2 and reader.metadata is None
    assert "/Metadata" not in reader.trailer["/Root"]
    (note,) = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert note["/Contents"] == "the car was red" and "/T" not in note


def test_encrypted_and_broken_pdfs_are_refused_with_a_reason() -> None:
    with pytest.raises(PdfRejected, match="encrypted"):
        strip_pdf_metadata(office_pdf(password="secret"))
    with pytest.raises(PdfRejected, match="could not be read"):
        strip_pdf_metadata(b"%PDF-1.7\n" + b"\x00garbage" * 20)


def _jpeg_with_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (37.0, 46.0, 29.0)}  # GPSInfo: latitude
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def pdf_with(page_extra: dict, image: bytes | None = None, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(100, 100)
    page = writer.pages[0]
    for key, value in page_extra.items():
        page[NameObject(key)] = value
    if image is not None:
        stream = StreamObject()
        stream._data = image
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(40),
                NameObject("/Height"): NumberObject(30),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        resources = DictionaryObject({NameObject("/Im0"): writer._add_object(stream)})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): resources})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_photo_inside_a_pdf_loses_its_exif_and_still_shows() -> None:
    from PIL import Image

    original = pdf_with({}, image=_jpeg_with_exif())
    assert b"PhoneMaker" in original
    cleaned = strip_pdf_metadata(original)
    assert b"PhoneMaker" not in cleaned
    image = PdfReader(io.BytesIO(cleaned)).pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    shown = Image.open(io.BytesIO(image._data))
    assert shown.size == (40, 30) and not shown.getexif()


def test_page_scripts_and_edit_history_are_dropped() -> None:
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    extra = {
        "/AA": DictionaryObject({NameObject("/O"): script}),
        "/LastModified": TextStringObject("D:20260101120000"),
    }
    cleaned = strip_pdf_metadata(pdf_with(extra))
    page = PdfReader(io.BytesIO(cleaned)).pages[0]
    assert "/AA" not in page and "/LastModified" not in page and b"app.alert" not in cleaned


def test_attached_files_are_refused_with_a_reason() -> None:
    attachment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(9), FloatObject(9)]
            ),
        }
    )
    with pytest.raises(PdfRejected, match="attached file"):
        strip_pdf_metadata(pdf_with({"/Annots": ArrayObject([attachment])}))


def test_an_oversized_page_tree_is_refused_before_it_is_copied() -> None:
    from rtcc.tips.pdfmeta import MAX_PAGES

    with pytest.raises(PdfRejected, match="too many pages"):
        strip_pdf_metadata(pdf_with({}, pages=MAX_PAGES + 1))


def test_mangled_pdfs_are_cleaned_or_refused_never_crash() -> None:
    """Damage anywhere: the result is a cleaned file or a PdfRejected with a reason, never
    another exception (which would fail the media job and send it to the dead letters)."""
    import random

    sources = [pdf_with({}, image=_jpeg_with_exif()), office_pdf()]
    rng = random.Random(7)
    outcomes = {"cleaned": 0, "refused": 0}
    for n in range(300):
        mangled = bytearray(sources[n % 2])
        for _ in range(rng.randint(1, 8)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        try:
            strip_pdf_metadata(bytes(mangled))
            outcomes["cleaned"] += 1
        except PdfRejected:
            outcomes["refused"] += 1
    assert outcomes["cleaned"] and outcomes["refused"]  # both paths were exercised


def test_a_second_picture_after_a_jpeg_and_odd_embeddings_do_not_pass() -> None:
    from rtcc.tips.pdfmeta import jpeg_without_metadata

    first, second = _jpeg_with_exif(), _jpeg_with_exif()
    cleaned = jpeg_without_metadata(first + second)  # a multi-picture file: the second keeps EXIF
    assert b"PhoneMaker" not in cleaned and cleaned.endswith(b"\xff\xd9")
    embedded = DictionaryObject(
        {NameObject("/Type"): NameObject("/Filespec"), NameObject("/EF"): DictionaryObject()}
    )
    # Reached from anything the page draws (here its resources), not only from annotations.
    resources = DictionaryObject({NameObject("/AF"): ArrayObject([embedded])})
    with pytest.raises(PdfRejected, match="attached"):
        strip_pdf_metadata(pdf_with({"/Resources": resources}))
