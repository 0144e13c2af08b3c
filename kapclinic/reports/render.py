"""Template + context -> PDF bytes, with the safe fetcher and the stylesheets passed as strings."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from weasyprint import CSS, HTML

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
    PDF's metadata. The PDF never carries attachments.
    """
    fetcher = StaticOnlyFetcher()
    html = render_to_string(template, {**context, "report_title": title, "report_author": author})
    stylesheets = [
        CSS(string=stylesheet_text(name), base_url=REPORT_BASE_URL, url_fetcher=fetcher)
        for name in STYLESHEETS
    ]
    stylesheets.append(CSS(string=page_size_css(page_size), url_fetcher=fetcher))
    document = HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=fetcher).render(
        stylesheets=stylesheets
    )
    document.metadata.title = title
    document.metadata.authors = [author]
    # A report is what is printed on its pages: no embedded files, even one the fetcher allows.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf()
