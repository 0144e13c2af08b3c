"""The reminders app listens; no phase imports it.

A new safety flag, or a count that opens a discrepancy in the controlled-drug register, tells
the prescribers now; an emergency (break-glass) access tells the patient's clinic admins. A
saved appointment plans whatever is due for it now (a late booking, a move, a cancellation)
once the transaction commits; the rest waits for the periodic scan, which also catches anything
this path could not queue. A new invitation (a patient's or a new member of staff's), safety
flag or emergency access becomes a reminder row in the same transaction, handed to the worker
once committed: no page talks to the mail server, so a mail outage delays the email and never
breaks or slows the page, and a broker outage only delays it until the next scan.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from intake.models import Invitation
from kapclinic.clinic.models import Appointment, EmergencyAccess, SafetyFlag, StaffInvitation
from kapclinic.clinic.queue import enqueue
from kapclinic.stock.models import Discrepancy

from . import services
from .models import Kind, Reminder, SubjectType
from .tasks import send_reminder

log = logging.getLogger(__name__)


def hand_to_worker(reminder_id):
    """Queue one due row for the worker now, after commit; never send it in a web request.

    With no broker (eager Celery) only the demo sends in process
    (REMINDERS_SEND_IN_PROCESS); elsewhere the row waits for the periodic scan. A broker
    that cannot take the message changes nothing either: the scan sends the row.
    """
    if send_reminder.app.conf.task_always_eager and not settings.REMINDERS_SEND_IN_PROCESS:
        return
    if not enqueue(send_reminder, reminder_id):
        log.warning("Reminder %s not queued; the periodic scan will send it", reminder_id)


def write_row(kind, subject_type, subject_id, due_at, **fields):
    """The row, handed to the worker once committed; one already written is handed over
    already (a count's second discrepancy shares its first's row). Also called by the
    calendar, which sits above this app, for the emails it owns."""
    reminder, created = Reminder.objects.get_or_create(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        due_at=due_at,
        channel="email",
        defaults={"send_after": timezone.now(), **fields},
    )
    pk = reminder.pk
    if created:
        transaction.on_commit(lambda: hand_to_worker(pk), robust=True)


@receiver(post_save, sender=SafetyFlag, dispatch_uid="reminders.safety_flag_alert")
def alert_care_team(sender, instance, created, raw=False, **kwargs):
    """A new flag's alert is a row written with the flag: a rolled-back flag pages nobody."""
    if created and not raw:
        write_row(
            Kind.SAFETY_ALERT,
            SubjectType.SAFETY_FLAG,
            instance.pk,
            instance.raised_at,
            clinic_id=instance.course.clinic_id,
        )


@receiver(post_save, sender=EmergencyAccess, dispatch_uid="reminders.emergency_access_notice")
def tell_clinic_admins(sender, instance, created, raw=False, **kwargs):
    """Every break-glass is told to the patient's clinic admins: a row written with the access,
    so an outage of Redis or of the mail server delays the notice and never loses it."""
    if created and not raw:
        write_row(
            Kind.EMERGENCY_ACCESS,
            SubjectType.EMERGENCY_ACCESS,
            instance.pk,
            instance.granted_at,
            clinic_id=instance.patient.clinic_id,
        )


@receiver(post_save, sender=Discrepancy, dispatch_uid="reminders.discrepancy_alert")
def alert_prescribers_of_discrepancy(sender, instance, created, raw=False, **kwargs):
    """A count found the shelf different from the register: the clinic's prescribers (the
    medical director among them) hear of it now, not in tomorrow's digest. One email per
    count: its discrepancies share the location and the moment (the row's subject)."""
    if created and not raw:
        write_row(
            Kind.DISCREPANCY_ALERT,
            SubjectType.STOCK_COUNT,
            instance.location_id,
            instance.opened_at,
            clinic_id=instance.clinic_id,
        )


def _addressed(invitation):
    """(kind, subject type, row fields) of an invitation's email: a patient's, or staff's."""
    if isinstance(invitation, StaffInvitation):
        provider = invitation.provider
        to = {"clinic_id": provider.clinic_id, "recipient_id": provider.user_id}
        return Kind.STAFF_INVITATION, SubjectType.STAFF_INVITATION, to
    course = invitation.course
    to = {"clinic_id": course.clinic_id, "patient_id": course.patient_id}
    return Kind.INVITATION, SubjectType.INVITATION, to


@receiver(post_save, sender=Invitation, dispatch_uid="reminders.invitation_issued")
@receiver(post_save, sender=StaffInvitation, dispatch_uid="reminders.staff_invitation_sent")
def invitation_issued(sender, instance, created, raw=False, **kwargs):
    """Each new invitation, a patient's or a new member of staff's, is emailed once, by the
    worker, through its own reminder row."""
    if created and not raw:
        kind, subject_type, to = _addressed(instance)
        write_row(kind, subject_type, instance.pk, instance.created_at, **to)


def _queue_reminder(reminder_id):
    if not enqueue(send_reminder, reminder_id):
        raise RuntimeError("broker unreachable")  # plan_after_save leaves the rest to the scan


def _plan_appointment(appointment_id):
    try:
        services.plan_after_save(appointment_id, enqueue=_queue_reminder)
    except Exception:  # never fail the request that saved the appointment; the scan retries
        log.exception("Planning reminders for appointment %s failed", appointment_id)


@receiver(post_save, sender=Appointment, dispatch_uid="reminders.appointment_saved")
def appointment_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    pk = instance.pk
    transaction.on_commit(lambda: _plan_appointment(pk), robust=True)
