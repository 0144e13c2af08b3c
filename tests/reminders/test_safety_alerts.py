"""Safety-flag alerts: a reminder row written with the flag, handed to the worker after commit
(delivered here by a real Celery worker on Redis), and sent by the scan if the broker is down."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from intake import services
from kapclinic.celery import app
from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.reminders.emails import alert_recipients
from kapclinic.reminders.models import Kind, Reminder, Status
from tests.real_services import require_real_service

from .conftest import run_scan


def alerts():
    return [m for m in mail.outbox if "safety alert" in m.subject.lower()]


def sent_alerts():
    """The alerts once the worker's scan has run."""
    run_scan(timezone.now())
    return alerts()


def raise_flag(course, by):
    SafetyFlag.raise_for(course, source="Intake PHQ-9", reason="Item 9 above 0.", by=by)


@pytest.mark.django_db
def test_alert_goes_to_the_care_team_without_clinical_detail(world):
    """The patient's therapist hears of a risk answer with the prescriber: the therapist is
    often the clinician who knows the patient best and can call first."""
    course = world.one.courses[0]
    prescriber, therapist = world.one.staff[Role.PRESCRIBER], world.one.staff[Role.THERAPIST]
    course.care_team.add(prescriber, therapist)
    with TestCase.captureOnCommitCallbacks(execute=True):
        raise_flag(course, by=course.patient.user)
    [message] = sent_alerts()
    assert message.to == sorted([prescriber.user.email, therapist.user.email])
    body = message.body + message.alternatives[0][0]
    assert course.patient.legal_name not in body and "Item 9" not in body
    assert f"/patients/{course.patient_id}/" in body


@pytest.mark.django_db
def test_without_a_named_prescriber_every_active_prescriber_of_the_clinic_is_told(world):
    course = world.one.courses[0]
    assert alert_recipients(course) == [world.one.staff[Role.PRESCRIBER].user.email]
    assert world.two.staff[Role.PRESCRIBER].user.email not in alert_recipients(course)


@pytest.mark.django_db
def test_a_care_team_without_a_prescriber_alerts_the_clinics_prescribers_too(world):
    """A prescriber always hears: a team of one therapist adds the clinic's prescribers."""
    course = world.one.courses[0]
    therapist = world.one.staff[Role.THERAPIST]
    course.care_team.add(therapist)
    expected = sorted([therapist.user.email, world.one.staff[Role.PRESCRIBER].user.email])
    assert alert_recipients(course) == expected


@pytest.mark.django_db
def test_a_departed_care_team_member_is_not_written_to(world):
    course = world.one.courses[0]
    prescriber, therapist = world.one.staff[Role.PRESCRIBER], world.one.staff[Role.THERAPIST]
    course.care_team.add(prescriber, therapist)
    therapist.active = False
    therapist.save(update_fields=["active"])
    assert alert_recipients(course) == [prescriber.user.email]


@pytest.mark.django_db
def test_a_rolled_back_flag_pages_nobody(world):
    course = world.one.courses[0]
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        raise_flag(course, by=None)
        raise RuntimeError("the save failed after the flag was written")
    assert not sent_alerts()
    assert not Reminder.objects.filter(kind=Kind.SAFETY_ALERT).exists()
    assert not SafetyFlag.objects.filter(course=course).exists()


@pytest.mark.django_db
def test_a_flag_resolved_before_the_task_runs_sends_nothing(world):
    course = world.one.courses[0]
    flag, _ = SafetyFlag.raise_for(course, source="Intake PHQ-9", reason="x", by=None)
    flag.resolve(world.one.staff[Role.PRESCRIBER].user, "Called the patient; safe plan agreed.")
    assert not sent_alerts()
    row = Reminder.objects.get(kind=Kind.SAFETY_ALERT, subject_id=flag.pk)
    assert row.status == Status.SKIPPED and "resolved" in row.reason


@pytest.fixture
def real_worker(settings):
    """A Celery worker consuming from the real Redis broker, in a thread of this process."""
    require_real_service(settings.REDIS_URL, "REDIS_URL is not set (no Redis found)")
    assert app.conf.broker_url.startswith("redis://")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.django_db(transaction=True)
def test_item9_answer_reaches_the_prescriber_through_a_real_worker_on_redis(world, real_worker):
    """The whole path: the patient's answer commits, the task crosses Redis, the worker mails."""
    from intake.models import IntakeRecord

    course = world.one.courses[0]
    course.start_intake(course.patient.user)
    record = IntakeRecord.objects.create(course=course)
    answers = {f"q{i}": 0 for i in range(1, 10)} | {"q9": 2}
    services.save_questionnaire(record, "phq9", answers, by=course.patient.user, complete=True)

    deadline = time.monotonic() + 20
    while not alerts() and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = alerts()
    assert message.to == [world.one.staff[Role.PRESCRIBER].user.email]
    assert SafetyFlag.objects.get(course=course).is_open
    assert settings.CELERY_BROKER_URL.startswith("redis://")
