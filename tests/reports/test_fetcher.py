"""The report fetcher: the project's static files and image data URLs, nothing else.

These tests hand WeasyPrint raw, unescaped HTML, as if a template had marked patient text
safe by mistake, and prove the fetcher alone stops every read, request and attachment.
"""

import base64
import io

import pypdf
import pytest
from django.utils.safestring import mark_safe
from weasyprint import HTML

from kapclinic.reports.fetcher import REPORT_BASE_URL, FetchRefused, StaticOnlyFetcher
from kapclinic.reports.render import render_pdf

from .pdf import embedded_files, pdf_text

STATIC = f"{REPORT_BASE_URL}static/"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("SECRET-TOKEN-7f3a9c")
    return path


def hostile_html(secret, listener):
    return f"""<!DOCTYPE html><html><body>
    <p>Visible paragraph.</p>
    <img src="file:///etc/passwd">
    <img src="{secret.as_uri()}">
    <link rel="attachment" href="file:///etc/hostname">
    <link rel="attachment" href="{secret.as_uri()}">
    <a rel="attachment" href="{secret.as_uri()}">linked attachment</a>
    <img src="{listener.url}leak.png">
    <link rel="stylesheet" href="{listener.url}leak.css">
    <div style="background: url('{listener.url}background.png')">styled</div>
    <img src="data:text/html;base64,{base64.b64encode(b"<p>hi</p>").decode()}">
    <link rel="attachment" href="data:application/octet-stream;base64,U0VDUkVU">
    <script>document.write("SCRIPT-RAN")</script>
    </body></html>"""


# --- The threat is real: WeasyPrint's default fetcher does all of this -------------------


def test_default_fetcher_would_embed_local_files_and_call_the_network(secret, listener):
    pdf = HTML(string=hostile_html(secret, listener)).write_pdf()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert b"SECRET-TOKEN-7f3a9c" in reader.attachments["secret.txt"]
    assert "hostname" in reader.attachments
    assert listener.connections, "the default fetcher should have called the listener"


# --- Our fetcher refuses it all ------------------------------------------------------------


def test_fetcher_refuses_files_network_and_odd_data_urls_in_raw_html(secret, listener, caplog):
    html = HTML(
        string=hostile_html(secret, listener),
        base_url=REPORT_BASE_URL,
        url_fetcher=StaticOnlyFetcher(),
    )
    pdf = html.write_pdf()
    assert embedded_files(pdf) == []
    assert listener.connections == []
    assert b"SECRET-TOKEN" not in pdf
    text = pdf_text(pdf)
    assert "Visible paragraph." in text and "SCRIPT-RAN" not in text
    assert b"/JavaScript" not in pdf and b"/OpenAction" not in pdf
    refused = [r.getMessage() for r in caplog.records if r.name == "kapclinic.reports.fetcher"]
    assert any("file:///etc/passwd" in message for message in refused)
    assert any("file:///etc/hostname" in message for message in refused)
    assert any(f"127.0.0.1:{listener.port}" in message for message in refused)
    assert any("text/html" in message for message in refused)
    assert any("application/octet-stream" in message for message in refused)


def test_render_pdf_stops_a_template_that_marks_patient_text_safe(
    settings, tmp_path, secret, listener
):
    (tmp_path / "raw.html").write_text(
        '{% extends "reports/base.html" %}{% block content %}{{ body }}{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    pdf = render_pdf(
        "raw.html",
        {
            "body": mark_safe(hostile_html(secret, listener)),  # the mistake being guarded
            "clinic": {"name": "Test clinic"},
            "generated_by": "Test",
        },
        title="Raw",
        author="Test clinic",
    )
    assert embedded_files(pdf) == []
    assert listener.connections == []
    assert b"SECRET-TOKEN" not in pdf
    assert "SCRIPT-RAN" not in pdf_text(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "https://example.com/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.com/x.png",
        f"{STATIC}../../../etc/passwd",
        f"{STATIC}%2e%2e/%2e%2e/manage.py",
        f"{STATIC}css/..%2f..%2fmanage.py",
        f"{STATIC}js/kap.js",  # a real static file, but not a type a report uses
        f"{STATIC}css/missing.css",
        f"{STATIC}css/report.css?x=1",
        "https://reports.kapclinic.invalid/media/css/report.css",
        "https://other.invalid/static/css/report.css",
        "data:text/html;base64,PHA+aGk8L3A+",
        "data:application/pdf;base64,JVBERi0=",
        "data:,plain text",
        "data:image/png;base64,not*base64",
        "data:image/png;base64",
    ],
)
def test_fetcher_refuses(url):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)


def test_fetcher_does_not_connect_for_a_loopback_url(listener):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(f"{listener.url}image.png")
    assert listener.connections == []


def test_fetcher_serves_the_projects_static_files():
    response = StaticOnlyFetcher().fetch(f"{STATIC}css/report.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    svg = StaticOnlyFetcher().fetch(f"{STATIC}img/favicon.svg")
    assert svg.content_type == "image/svg+xml"


def test_fetcher_serves_image_data_urls():
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    response = StaticOnlyFetcher().fetch(url)
    assert response.content_type == "image/png"
    assert response.read() == PNG


def test_fetcher_refuses_a_symlink_out_of_the_static_folder(settings, tmp_path, secret):
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "escape.png").symlink_to(secret)
    settings.STATICFILES_DIRS = [static]
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(f"{STATIC}img/escape.png")
