"""Template + context -> PDF bytes, with the safe fetcher and the stylesheets passed as strings.

The HTML is built here, in the caller's process, from the ORM; WeasyPrint turns it into a PDF
in a child process under a time and memory limit (sandbox.py).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML

from kapclinic.clinic.models import Patient

from . import sandbox
from .fetcher import REPORT_BASE_URL, StaticOnlyFetcher

# Paper sizes a clinic may choose (REPORT_PAGE_SIZE): name -> CSS `size` keyword.
PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
STYLESHEETS = ("css/report.css",)


class ReportUnavailable(Exception):
    """The record holds nothing to report yet; the message says why, in plain words."""


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    filename: str  # no patient name: downloads folders and browser histories are not private
    title: str
    patient_id: int


def printed_for(record, generated_by, generated_at=None):
    """What every report's heading and footer show: whose record, which clinic, who printed it
    and when. `record` is a course, or the patient for a copy of their whole record."""
    patient = record if isinstance(record, Patient) else record.patient
    return {
        "patient": patient,
        "clinic": record.clinic,
        "generated_by": generated_by,
        "generated_at": generated_at or timezone.now(),
    }


def page_size_css(page_size=None):
    """The @page size rule; only known names reach CSS, so a setting cannot inject rules."""
    name = page_size or settings.REPORT_PAGE_SIZE
    if name not in PAGE_SIZES:
        allowed = ", ".join(PAGE_SIZES)
        raise ImproperlyConfigured(f"Report page size {name!r} is not one of {allowed}.")
    return f"@page {{ size: {PAGE_SIZES[name]}; }}"


@cache
def _static_text(relative, _mtime):
    return Path(finders.find(relative)).read_text(encoding="utf-8")


def stylesheet_text(relative):
    """A static stylesheet's text (re-read when the file changes)."""
    path = finders.find(relative)
    if path is None:
        raise ImproperlyConfigured(f"Report stylesheet {relative} is missing from static/.")
    return _static_text(relative, Path(path).stat().st_mtime)


def render_pdf(template, context, *, title, author, page_size=None):
    """Render `template` with `context` to PDF bytes.

    Django autoescapes every value in `context`; WeasyPrint fetches only through
    StaticOnlyFetcher; stylesheets are handed over as strings, never by URL. `page_size` is
    "A4" or "Letter" (default: settings.REPORT_PAGE_SIZE); `title` and `author` go into the
    PDF's metadata. The PDF never carries attachments. Raises sandbox.RenderStopped when
    WeasyPrint goes over REPORT_RENDER_TIMEOUT_SECONDS or REPORT_RENDER_MEMORY_MB.
    """
    html = render_to_string(template, {**context, "report_title": title, "report_author": author})
    stylesheets = [stylesheet_text(name) for name in STYLESHEETS]
    stylesheets.append(page_size_css(page_size))
    warm_up()
    return sandbox.run(write_pdf, html, stylesheets, title, author)


def write_pdf(html, stylesheets, title, author):
    """HTML and stylesheet texts -> PDF bytes; runs in the render child (sandbox.run)."""
    fetcher = StaticOnlyFetcher()
    sheets = [
        CSS(string=text, base_url=REPORT_BASE_URL, url_fetcher=fetcher) for text in stylesheets
    ]
    document = HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=fetcher).render(
        stylesheets=sheets
    )
    document.metadata.title = title
    document.metadata.authors = [author]
    # A report is what is printed on its pages: no embedded files, even one the fetcher allows.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf()


@cache
def warm_up():
    """Load fonts once in this process (a fixed page, no patient text), so that each render
    child forked from it starts warm instead of searching the system's fonts again."""
    write_pdf(WARM_UP_PAGE, [*map(stylesheet_text, STYLESHEETS), page_size_css()], "-", "-")


# The faces and elements reports use: regular, bold and italic text, a table, a vector image.
WARM_UP_PAGE = """<!DOCTYPE html><html><body><div class="running-footer">Page</div>
<h1>Warm-up</h1><h2>Section</h2><p>Text <strong>bold</strong> <em>italic</em> 0123456789</p>
<table><thead><tr><th>Date</th><th>Value</th></tr></thead><tbody><tr><td>1 Jan</td><td>21</td>
</tr></tbody></table><svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">
<text x="0" y="15">PHQ-9</text><line x1="0" y1="0" x2="40" y2="20" stroke="black"/></svg>
</body></html>"""
