"""The reminders app listens; no phase imports it.

A new safety flag tells the prescribers now. A saved appointment plans whatever is due for it
now (a late booking, a move, a cancellation) once the transaction commits; the rest waits for
the periodic scan, which also catches anything this path could not queue. A new invitation
becomes a reminder row in the same transaction, handed to the worker once committed: the page
that invites never talks to the mail server, so a mail outage delays the email and never
breaks or slows the page.
"""

import logging

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from intake.models import Invitation
from kapclinic.clinic.models import Appointment, SafetyFlag

from . import services
from .models import Kind, Reminder, SubjectType
from .tasks import send_reminder

log = logging.getLogger(__name__)


@receiver(post_save, sender=SafetyFlag, dispatch_uid="reminders.safety_flag_alert")
def alert_care_team(sender, instance, created, raw=False, **kwargs):
    """A new flag's alert is a reminder row written with the flag (a rolled-back flag pages
    nobody), handed to the worker once committed; the scan sends it if the broker is down."""
    if not created or raw:
        return
    reminder, _ = Reminder.objects.get_or_create(
        kind=Kind.SAFETY_ALERT,
        subject_type=SubjectType.SAFETY_FLAG,
        subject_id=instance.pk,
        due_at=instance.raised_at,
        channel="email",
        defaults={"clinic_id": instance.course.clinic_id, "send_after": timezone.now()},
    )
    pk = reminder.pk
    transaction.on_commit(lambda: hand_to_worker(pk))


def _plan_appointment(appointment_id):
    try:
        services.plan_after_save(appointment_id, enqueue=send_reminder.delay)
    except Exception:  # never fail the request that saved the appointment; the scan retries
        log.exception("Planning reminders for appointment %s failed", appointment_id)


@receiver(post_save, sender=Appointment, dispatch_uid="reminders.appointment_saved")
def appointment_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    pk = instance.pk
    transaction.on_commit(lambda: _plan_appointment(pk))


def hand_to_worker(reminder_id):
    """Queue one due row for the worker now, after commit; never send it in this process.

    With no broker (eager Celery) only the demo sends in process
    (REMINDERS_SEND_IN_PROCESS); elsewhere the row waits for the periodic scan. A broker
    that cannot take the message changes nothing either: the scan sends the row.
    """
    if current_app.conf.task_always_eager and not settings.REMINDERS_SEND_IN_PROCESS:
        return
    try:
        send_reminder.delay(reminder_id)
    except Exception:  # never fail the request that saved the row; the scan sends it
        log.warning("Could not queue reminder %s; the periodic scan will send it", reminder_id)


@receiver(post_save, sender=Invitation, dispatch_uid="reminders.invitation_issued")
def invitation_issued(sender, instance, created, raw=False, **kwargs):
    """Each new invitation is emailed once, by the worker, through its own reminder row."""
    if not created or raw:
        return
    course = instance.course
    reminder, _ = Reminder.objects.get_or_create(
        kind=Kind.INVITATION,
        subject_type=SubjectType.INVITATION,
        subject_id=instance.pk,
        due_at=instance.created_at,
        channel="email",
        defaults={
            "clinic_id": course.clinic_id,
            "patient_id": course.patient_id,
            "send_after": timezone.now(),
        },
    )
    pk = reminder.pk
    transaction.on_commit(lambda: hand_to_worker(pk))
