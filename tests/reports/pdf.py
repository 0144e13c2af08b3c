"""Reading a rendered PDF back: its text, fonts, images and attachments."""

import io
import re

import pypdf


def reader(pdf_bytes):
    return pypdf.PdfReader(io.BytesIO(pdf_bytes))


def pdf_pages(pdf_bytes):
    return [page.extract_text() for page in reader(pdf_bytes).pages]


def pdf_text(pdf_bytes):
    return "\n".join(pdf_pages(pdf_bytes))


def squeezed(text):
    """Text without whitespace: line wrapping in the PDF must not hide a match."""
    return re.sub(r"\s+", "", text)


def embedded_files(pdf_bytes):
    """Names of every embedded file: document attachments and file-attachment annotations."""
    document = reader(pdf_bytes)
    names = list(document.attachments)
    for page in document.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                names.append("annotation")
    return names


def xobject_count(pdf_bytes):
    """Form and image XObjects over all pages: WeasyPrint draws each SVG image as XObjects."""
    count = 0
    for page in reader(pdf_bytes).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            count += len(xobjects.get_object())
    return count


def fonts_used(pdf_bytes):
    """The base font names a PDF embeds, e.g. to prove Arabic and CJK got real fonts."""
    names = set()
    for page in reader(pdf_bytes).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names
