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
