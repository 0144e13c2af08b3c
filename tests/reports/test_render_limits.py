"""Report rendering runs in a child process with a time and a memory limit.

Hostile documents go through the real render function (a template that marks its body safe,
the mistake being guarded, as in test_fetcher): each is stopped within its limit, the caller
hears so quickly, the child is reaped, and the next report still renders.
"""

import base64
import io
import logging
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.safestring import mark_safe

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import start_course
from kapclinic.reports import sandbox
from kapclinic.reports.render import render_pdf

from .pdf import pdf_text

# Seconds a stopped render may take beyond its limit on a busy CI machine: kill and reap.
GRACE = 2.5


def children():
    """Pids of this process's live or unreaped children (zombies included)."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        found += (task / "children").read_text().split()
    return found


@pytest.fixture
def earlier():
    """Children alive before the test (another test's server, say): only new ones count."""
    before = set(children())
    yield before
    assert set(children()) <= before


@pytest.fixture
def raw_template(settings, tmp_path):
    (tmp_path / "raw.html").write_text(
        '{% extends "reports/base.html" %}{% block content %}{{ body }}{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    def render(body):
        context = {"body": mark_safe(body), "clinic": {"name": "Test clinic"}, "generated_by": "T"}
        return render_pdf("raw.html", context, title="Raw", author="Test clinic")

    return render


def png_bomb(side):
    """A valid grey PNG of side x side pixels that weighs a few hundred kilobytes."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * ((side + 1) * side), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


HOSTILE = {
    "5 MB of text": "<p>" + "word " * (1024 * 1024) + "</p>",
    "tables nested 3000 deep": "<table><tr><td>" * 3000 + "deep",
    "a stylesheet that makes thousands of pages": (
        "<style>@page { size: 4mm 4mm; margin: 0 } p { font-size: 30pt }</style>"
        "<p>" + "ab " * 20000 + "</p>"
    ),
}


def test_a_report_renders_in_a_child_that_is_reaped(raw_template, earlier):
    assert sandbox.run(os.getpid) != os.getpid()
    pdf = raw_template("<p>An ordinary note.</p>")
    assert "An ordinary note." in pdf_text(pdf)
    assert set(children()) <= earlier


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_stopped_at_the_time_limit(raw_template, settings, body, earlier):
    settings.REPORT_RENDER_TIMEOUT_SECONDS = 1.5
    started = time.monotonic()
    with pytest.raises(sandbox.RenderStopped) as stopped:
        raw_template(body)
    assert time.monotonic() - started < 1.5 + GRACE
    assert stopped.value.reason == "time"
    assert set(children()) <= earlier
    # The worker is unharmed: the next report renders.
    settings.REPORT_RENDER_TIMEOUT_SECONDS = 20
    assert "Next report." in pdf_text(raw_template("<p>Next report.</p>"))


def test_a_decompression_bomb_is_stopped_at_the_memory_limit(raw_template, settings, earlier):
    settings.REPORT_RENDER_TIMEOUT_SECONDS = 30
    settings.REPORT_RENDER_MEMORY_MB = 64
    # 12,000 x 12,000 grey pixels: ~140 MB once decoded, under Pillow's own bomb refusal.
    image = base64.b64encode(png_bomb(12_000)).decode()
    started = time.monotonic()
    with pytest.raises(sandbox.RenderStopped) as stopped:
        raw_template(f'<img src="data:image/png;base64,{image}" style="width: 10cm">')
    assert stopped.value.reason == "memory"
    assert time.monotonic() - started < 15
    assert set(children()) <= earlier


@pytest.mark.django_db
def test_download_over_the_limit_is_a_plain_503_logged_and_audited(
    world, team, sign_in, settings, caplog, earlier
):
    start_course(team)
    settings.REPORT_RENDER_TIMEOUT_SECONDS = 0.01  # any real report is over it
    with caplog.at_level(logging.ERROR, logger="kapclinic.reports"):
        response = sign_in(world.one.staff[Role.THERAPIST]).get(
            reverse("reports:course-summary", args=[team.course.pk])
        )
    assert response.status_code == 503
    page = response.content.decode()
    assert "This report could not be produced" in page and "Traceback" not in page
    assert team.course.patient.legal_name not in page
    assert response["Cache-Control"] == "no-store"
    logged = [r.getMessage() for r in caplog.records if r.name == "kapclinic.reports.kinds"]
    assert logged == [
        f"The course summary report for treatment course {team.course.pk} was not produced "
        "(time): no PDF after 0.01 s"
    ]
    event = AccessEvent.objects.get(what__contains="report")
    assert event.actor == team.therapist and event.patient_id == team.course.patient_id
    assert event.what == "course summary report (download), not produced: over the time limit"
    assert set(children()) <= earlier


@pytest.mark.django_db
def test_render_report_over_the_limit_is_a_clear_error_and_writes_nothing(team, settings, tmp_path):
    start_course(team)
    settings.REPORT_RENDER_TIMEOUT_SECONDS = 0.01
    target = tmp_path / "summary.pdf"
    with pytest.raises(CommandError, match="could not be produced: .*time"):
        call_command(
            "render_report", "--kind", "course", "--id", str(team.course.pk),
            "--output", str(target), stdout=io.StringIO(),
        )  # fmt: skip
    assert not target.exists()
    event = AccessEvent.objects.get(what__contains="report")
    assert event.what == "course summary report (command line), not produced: over the time limit"
