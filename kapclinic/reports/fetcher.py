"""The only way a report may load anything: the project's own static files, a few image data URLs.

WeasyPrint's default fetcher opens any URL a document names: file:// reads the server's disk
(and <link rel="attachment"> embeds what it read inside the PDF), http(s):// reaches internal
services from the server. Reports carry patient free text, so everything else is refused here,
whatever a template or an escaping mistake lets through.
"""

import base64
import binascii
import logging
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urljoin, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# Documents are rendered with this base URL, so `{% static %}` paths resolve under it. The
# .invalid top-level domain never resolves (RFC 2606): nothing here ever goes to the network.
REPORT_BASE_URL = "https://reports.kapclinic.invalid/"

STATIC_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
DATA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml"})
MAX_DATA_BYTES = 2 * 1024 * 1024


class FetchRefused(ValueError):
    """A report asked for a resource it may not have. WeasyPrint logs it and carries on."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files under STATIC_URL from the static folders, and image data URLs; refuses
    every other URL, scheme and type without opening a file or a socket."""

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        try:
            if url[:5].lower() == "data:":
                return data_response(url)
            return static_response(url)
        except FetchRefused as refusal:
            log.warning("Report resource refused: %s", refusal)
            raise

    def open(self, url, data=None, timeout=None):
        # urllib-style entry point: route it through the same check, never the opener.
        return self.fetch(getattr(url, "full_url", url))


def static_prefix():
    """The URL prefix that names static files: STATIC_URL resolved against the report base."""
    return urljoin(REPORT_BASE_URL, settings.STATIC_URL)


def static_response(url):
    prefix = static_prefix()
    parts = urlsplit(url)
    if not url.startswith(prefix) or parts.scheme not in {"http", "https"} or parts.query:
        raise FetchRefused(f"{_short(url)} is not one of the project's static files")
    relative = unquote(url[len(prefix) :].split("#")[0])
    segments = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or ".." in segments:
        raise FetchRefused(f"{_short(url)} is not a plain static path")
    content_type = STATIC_TYPES.get(Path(relative).suffix.lower())
    if content_type is None:
        raise FetchRefused(f"{_short(url)} is not a type a report uses")
    path = _find_static(relative)
    if path is None:
        raise FetchRefused(f"{_short(url)} is not a static file of this project")
    return URLFetcherResponse(
        url, body=path.read_bytes(), headers={"Content-Type": content_type}, status=200
    )


def _static_roots():
    roots = [
        Path(entry if isinstance(entry, str | Path) else entry[1])
        for entry in settings.STATICFILES_DIRS
    ]
    roots += [Path(config.path) / "static" for config in apps.get_app_configs()]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


def _find_static(relative):
    """The file in the source static folders, else in STATIC_ROOT (hashed production names);
    a symlink that leads out of those folders does not count."""
    try:
        found = finders.find(relative)
    except (SuspiciousFileOperation, ValueError, OSError):  # a refusal, not a crash
        found = None
    if not found and settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / relative
        found = str(candidate) if candidate.is_file() else None
    if not found:
        return None
    path = Path(found).resolve()
    if not path.is_file() or not any(path.is_relative_to(root) for root in _static_roots()):
        return None
    return path


def data_response(url):
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise FetchRefused("a data URL without data")
    params = [p.strip().lower() for p in header.split(";")]
    content_type = params[0] or "text/plain"
    if content_type not in DATA_TYPES:
        raise FetchRefused(f"a data URL of type {content_type[:40]!r}")
    if len(payload) > MAX_DATA_BYTES * 2:
        raise FetchRefused("a data URL larger than a report image")
    if "base64" in params[1:]:
        try:
            body = base64.b64decode(unquote(payload), validate=True)
        except (binascii.Error, ValueError) as error:
            raise FetchRefused("a data URL with broken base64") from error
    else:
        body = unquote_to_bytes(payload)
    if len(body) > MAX_DATA_BYTES:
        raise FetchRefused("a data URL larger than a report image")
    return URLFetcherResponse(
        "data:", body=body, headers={"Content-Type": content_type}, status=200
    )


def _short(url):
    return repr(url if len(url) <= 120 else url[:117] + "...")
