"""Celery tasks. Arguments are ids only: patient data never travels through the broker."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string
from django.urls import reverse

from kapclinic.clinic.models import Provider, Role, SafetyFlag
from kapclinic.clinic.queue import fail_fast_connection

from . import services

log = logging.getLogger(__name__)


def alert_recipients(course):
    """The course's prescribers, or every active prescriber of the clinic if none is named."""
    team = [p for p in course.care_team.all() if p.active and p.role == Role.PRESCRIBER]
    if not team:
        team = list(
            Provider.objects.active().filter(clinic_id=course.clinic_id, role=Role.PRESCRIBER)
        )
    return sorted({p.user.email for p in team})


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_safety_flag_alert(flag_id):
    """Email the prescribers that a safety flag needs same-day review. No clinical detail."""
    flag = (
        SafetyFlag.objects.select_related("course__clinic", "course__patient")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None or not flag.is_open:
        return "skipped: flag missing or already resolved"
    course = flag.course
    recipients = alert_recipients(course)
    if not recipients:
        return "skipped: no active prescriber"
    context = {
        "clinic": course.clinic,
        "chart_url": settings.SITE_URL.rstrip("/")
        + reverse("clinic:patient-chart", args=[course.patient_id]),
    }
    message = EmailMultiAlternatives(
        subject=f"Action needed: a safety alert at {course.clinic.name}",
        body=render_to_string("reminders/email/safety_flag_alert.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("reminders/email/safety_flag_alert.html", context), "text/html"
    )
    message.send()
    return f"sent to {len(recipients)}"


# --- Due reminders ---------------------------------------------------------------------------


@shared_task(
    bind=True,
    acks_late=True,
    # A lost database connection before anything was claimed or sent: try again shortly.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_reminder(self, reminder_id, lease=None):
    """Send one reminder by id. With a lease (from the scan) it sends that claim; without one
    it claims the row itself if due. Mail errors are recorded on the row and retried with
    backoff; whatever happens, a row is sent at most once per claim."""
    if lease is None:
        lease = services.claim_one(reminder_id)
        if lease is None:
            return f"#{reminder_id} noop: not due, or claimed by someone else"
    outcome = services.deliver(reminder_id, lease)
    retry = outcome.retry_in is not None and not self.request.is_eager
    if retry and self.request.retries < self.max_retries:
        # The row is back to `due` with its backoff; whichever comes first, this retry
        # or the next scan, claims it. The other finds it claimed and does nothing.
        raise self.retry(args=(reminder_id, None), countdown=outcome.retry_in)
    return str(outcome)


def _enqueue_batch(ids, lease):
    # No publish retries: if the broker is down the scan releases the batch at once.
    with fail_fast_connection(send_reminder.app) as connection:
        for pk in ids:
            send_reminder.apply_async((pk, str(lease)), retry=False, connection=connection)


@shared_task(acks_late=True)
def scan_due_reminders():
    """The periodic scan (Celery beat, every REMINDER_SCAN_MINUTES)."""
    result = services.scan(dispatch=_enqueue_batch)
    summary = (
        f"planned {result.planned}, reclaimed {result.reclaimed}, queued {len(result.claimed)}"
        + (f", {result.released} not queued (broker down)" if result.released else "")
    )
    log.info("Reminder scan: %s", summary)
    return summary
