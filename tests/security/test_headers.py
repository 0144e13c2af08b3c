"""Headers and what leaves the page: the exact CSP, templates it can enforce, no caching of
patient data, and only ids in Celery task messages."""

import datetime
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Role

from .scene import PATIENT_A, PRESCRIBER_1, SUPERUSER
from .test_url_sweep import ACCESS, GET

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def parse_csp(header):
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_patient_chart_sends_exactly_the_expected_csp(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    response = client.get(reverse("clinic:patient-chart", args=[world.one.patients[0].pk]))
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Templates the CSP can enforce --------------------------------------------------------------

DJANGO_COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.S)
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=|<style\b", re.I | re.S)


def page_templates():
    """Every template a browser renders: emails (no CSP there) left out."""
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "node_modules", "staticfiles"}:
            continue
        if "email" in relative.parts:
            continue
        yield relative


def test_the_template_scan_finds_its_patterns():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/kap.js" defer></script>')
    assert INLINE_HANDLER.search('<button type="button" onclick="go()">')
    assert INLINE_STYLE.search('<p class="x" style="color:red">')
    assert not INLINE_STYLE.search('<p class="styled">')
    assert len(list(page_templates())) > 40


@pytest.mark.parametrize("template", list(page_templates()), ids=str)
def test_template_has_no_inline_script_handler_or_style(template):
    # style-src 'self' without 'unsafe-inline' blocks style attributes as well as <style>.
    assert settings.SECURE_CSP["style-src"] == ["'self'"]
    source = DJANGO_COMMENT.sub("", (ROOT / template).read_text())
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("inline event handler", INLINE_HANDLER),
        ("inline style", INLINE_STYLE),
    ):
        match = pattern.search(source)
        assert match is None, f"{template}: {name}: {match.group(0)[:80]}"


# --- Cache-Control on every page with patient data ---------------------------------------------


def first_reader(page):
    for role in (PRESCRIBER_1, PATIENT_A, SUPERUSER):
        if role in page.allowed:
            return role
    return None


def test_every_signed_in_page_pdf_and_download_is_never_stored(scene, clients):
    checked = []
    for name, page in sorted(ACCESS.items()):
        role = first_reader(page)
        if GET not in page.methods or role is None:
            continue
        url = reverse(name, kwargs=page.kwargs(scene) if page.kwargs else None)
        response = clients[role].get(url)
        if response.status_code != 200:
            continue
        assert "no-store" in response.get("Cache-Control", ""), f"{name} as {role}"
        checked.append((name, response["Content-Type"].split(";")[0]))
    kinds = {kind for _, kind in checked}
    assert {"text/html", "application/pdf", "application/fhir+json"} <= kinds, kinds
    assert {"clinic:patient-chart", "reports:course-summary", "reports:fhir-export"} <= {
        name for name, _ in checked
    }


# --- Celery: ids only ---------------------------------------------------------------------------

PROJECT_PREFIXES = ("kapclinic.", "intake.", "sessions.", "integration.")
ID_TEXT = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9_-]{1,32})$"
)


def is_an_id(value):
    if value is None or isinstance(value, bool):
        return value is None
    if isinstance(value, int):
        return True
    return isinstance(value, str) and bool(ID_TEXT.match(value))


@pytest.fixture
def published():
    """Every task message this test publishes (to the real broker: no worker consumes it)."""
    from celery.signals import before_task_publish

    from kapclinic.celery import app

    messages = []

    def collect(sender=None, body=None, **kwargs):
        args, task_kwargs, _embed = body
        messages.append((sender, list(args), dict(task_kwargs)))

    before_task_publish.connect(collect, weak=False)
    app.conf.task_always_eager = False
    try:
        yield messages
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        before_task_publish.disconnect(collect)
        if settings.CELERY_BROKER_URL.startswith("redis://"):
            import redis

            redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
                settings.CELERY_TASK_DEFAULT_QUEUE
            )


def test_celery_messages_carry_only_ids(world, published):
    from kapclinic.calendar import requests as appointment_requests
    from kapclinic.celery import app
    from kapclinic.clinic.models import EmergencyAccess, SafetyFlag
    from kapclinic.reminders.tasks import scan_due_reminders
    from tests.calendar.conftest import dosed_course
    from tests.factories import AppointmentFactory

    patient = world.one.patients[0]
    course = world.one.courses[0]
    dosed = dosed_course(world)  # the same course, dosed yesterday, with open slots
    with TestCase.captureOnCommitCallbacks(execute=True):
        # The clinic's answer to an appointment request is emailed to the patient.
        asked = appointment_requests.request_time(patient.user, course, slot=dosed.slot)
        appointment_requests.decline(dosed.admin.user, asked, reason="Please call us.")
        # A safety flag pages the prescribers.
        SafetyFlag.raise_for(course, source="Intake PHQ-9", reason="Item 9 answered", by=None)
        # A late booking plans and queues its reminder at once.
        AppointmentFactory(course=course, starts_at=timezone.now() + datetime.timedelta(hours=1))
        # Break-glass tells the patient's clinic admins.
        EmergencyAccess.open(
            user=world.two.staff[Role.PRESCRIBER].user,
            patient=patient,
            reason="Brought in after a fall; need the medication list.",
        )
    # The periodic scan queues whatever else is due.
    AppointmentFactory(
        course=world.one.courses[1], starts_at=timezone.now() + datetime.timedelta(hours=1)
    )
    scan_due_reminders()

    sent = {name for name, _, _ in published}
    project_tasks = {
        name
        for name in app.tasks
        if name.startswith(PROJECT_PREFIXES) and name != scan_due_reminders.name
    }
    assert {
        "kapclinic.reminders.tasks.send_reminder",
    } <= project_tasks
    assert project_tasks <= sent, f"tasks this test never saw enqueued: {project_tasks - sent}"
    private = {patient.legal_name, patient.email, patient.user.email, "fall", "Item 9"}
    for name, args, kwargs in published:
        values = [*args, *kwargs.values()]
        assert all(is_an_id(v) for v in values), (name, values)
        assert not any(p in repr(values) for p in private), (name, values)
    assert is_an_id(str(uuid.uuid4())) and not is_an_id("Jane Doe") and not is_an_id("a@b.c")
