"""The clinic's answer to a patient's appointment request, while Redis or mail is down.

The answer is saved either way; its email to the patient is a reminder row written with it, so
a stopped broker (a Redis of the test's own) or a refusing mail server (a real local socket)
delays the email and never loses it, and the first scan after recovery sends it once.
"""

import datetime
import time

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from kapclinic.calendar.models import AppointmentRequest
from kapclinic.reminders.models import Reminder, Status
from tests.intake.test_invitation_mail_outage import Refusing, mail_server, smtp  # noqa: F401
from tests.own_redis import celery_broker
from tests.reminders.conftest import run_scan

from .test_requests import ask

pytestmark = pytest.mark.django_db
SUBJECT = "Your appointment request at"


def answers():
    return [m for m in mail.outbox if m.subject.startswith(SUBJECT)]


def answered(dosed, request):
    """Staff accept the request as a page would (its on-commit work runs): seconds taken."""
    from kapclinic.calendar import requests as services

    started = time.monotonic()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.accept(dosed.admin.user, request)
    return time.monotonic() - started


def answer_row(request):
    """The email's row, found by the kind's value (the test predates the kind)."""
    return Reminder.objects.get(kind="request_answered", subject_id=request.pk)


def test_an_answer_given_while_redis_is_down_reaches_the_patient_after_it(dosed, own_redis):
    request = ask(dosed)
    with celery_broker(own_redis.url):
        own_redis.stop()
        took = answered(dosed, request)
    print(f"\naccepting a request with Redis down: {took:.3f} s")
    assert took < 2
    assert (
        AppointmentRequest.objects.get(pk=request.pk).status == AppointmentRequest.Status.ACCEPTED
    )
    assert not answers()

    own_redis.start()
    run_scan(timezone.now())
    [email] = answers()
    assert email.to == [dosed.patient.email] and "accepted" in email.body
    assert answer_row(request).status == Status.SENT
    run_scan(timezone.now() + datetime.timedelta(hours=1))
    assert len(answers()) == 1


def test_an_answer_while_mail_refuses_is_retried_and_sent_once_mail_works(
    dosed,
    mail_server,  # noqa: F811
):
    request = ask(dosed)
    with smtp(mail_server(Refusing)):
        took = answered(dosed, request)
        assert took < 1, f"accepting took {took:.1f} s with mail refusing"
        run_scan(timezone.now())
    assert not answers()
    row = answer_row(request)
    assert row.status == Status.DUE and row.attempts == 1 and row.last_error

    run_scan(timezone.now() + datetime.timedelta(hours=1))
    [email] = answers()
    assert email.to == [dosed.patient.email]
