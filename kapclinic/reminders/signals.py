"""The reminders app listens; no phase imports it.

A new safety flag tells the care team now. A saved appointment plans whatever is due for it
now (a late booking, a move, a cancellation) once the transaction commits; the rest waits for
the periodic scan, which also catches anything this path could not queue.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from kapclinic.clinic.models import Appointment, SafetyFlag
from kapclinic.clinic.queue import enqueue, enqueue_on_commit

from . import services
from .tasks import send_reminder, send_safety_flag_alert

log = logging.getLogger(__name__)


@receiver(post_save, sender=SafetyFlag, dispatch_uid="reminders.safety_flag_alert")
def alert_care_team(sender, instance, created, **kwargs):
    if created:
        # Only once the flag is committed: a rolled-back flag must not page anyone. A broker
        # outage never fails the request that raised the flag (kapclinic/clinic/queue.py).
        enqueue_on_commit(send_safety_flag_alert, instance.pk)


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
