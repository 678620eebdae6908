"""Removing who-wrote-it metadata from tipster PDFs.

A PDF saved from an office suite names its author (often the tipster's full name), the
organisation, the software, and when it was written and edited, in its document
information dictionary and an XMP packet; comments carry their author's name; editors
keep private data (`/PieceInfo`) and earlier revisions (incremental updates, which can
hold deleted text). The file is rewritten from its current pages alone: no document
information, no XMP (document or page), no `/PieceInfo`, no annotation authors, no old
revisions. Page content is copied as it is.

A PDF that cannot be read (damaged, or encrypted so its pages cannot be copied) is
refused with a reason rather than stored with its metadata.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import DictionaryObject, NameObject

# pypdf reports every oddity of a sloppy PDF as a warning: noise, and never about the tipster.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_PAGE_KEYS = ("/Metadata", "/PieceInfo")
_ANNOTATION_KEYS = ("/T", "/M", "/CreationDate")  # author, modified, created


class PdfRejected(ValueError):
    pass


def strip_pdf_metadata(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRejected("encrypted PDFs cannot be cleaned of their metadata; send it unprotected")
        writer = PdfWriter()
        for page in reader.pages:
            # Removed from the source page before it is copied: a key dropped after copying
            # would still leave its (now unreferenced) object in the written file.
            for key in _PAGE_KEYS:
                page.pop(NameObject(key), None)
            for ref in page.get("/Annots", None) or []:
                annotation = ref.get_object()
                if isinstance(annotation, DictionaryObject):
                    for key in _ANNOTATION_KEYS:
                        annotation.pop(NameObject(key), None)
            writer.add_page(page)
        writer.metadata = None  # no document information dictionary at all (not even ours)
        writer.compress_identical_objects(remove_identicals=False, remove_orphans=True)
        out = io.BytesIO()
        writer.write(out)
    except PdfRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PdfRejected(
            f"could not remove metadata: the PDF could not be read ({type(exc).__name__})"
        ) from None
    return out.getvalue()
