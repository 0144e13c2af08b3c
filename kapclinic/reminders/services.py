"""Claim, send, record: the only code that moves a reminder row between statuses.

due ──claim──▶ sending ──send──▶ sent
  ▲              │  └──(subject changed, opted out, no address)──▶ skipped
  └─(quiet hours, retry with backoff, reclaimed, not queued)┘ └──(last attempt failed)──▶ failed

A claim is committed before anything is sent, and each claim carries a lease (a UUID) that the
sender must present: a redelivered task, a second scan or a second beat process finds the row
no longer theirs and does nothing. A worker killed mid-send leaves the row in `sending` with
`send_started_at` set; after REMINDER_SENDING_TIMEOUT_SECONDS the scan puts it back to `due`
and flags it as a possible duplicate, since the mail server may have had it already.
"""

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from kapclinic.clinic.models import EmergencyAccess

from . import emails, planner, timing
from .models import Kind, Reminder, ReminderPreference, Status

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    reminder_id: int
    status: str  # sent, skipped, deferred, retry, failed, noop
    detail: str = ""
    retry_in: float | None = None

    def __str__(self):
        text = f"#{self.reminder_id} {self.status}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class ScanResult:
    planned: int = 0
    reclaimed: int = 0
    claimed: list = field(default_factory=list)  # [(id, lease)] handed to a worker
    released: int = 0  # claimed but not handed over (broker down), back to due


# --- Claiming --------------------------------------------------------------------------------


def claim_due(now=None, limit=None):
    """Claim up to `limit` due rows for this caller: (ids, lease). Rows locked by another
    claimant are skipped, not waited for, so concurrent scans take disjoint batches."""
    now = now or timezone.now()
    limit = limit or settings.REMINDER_BATCH_SIZE
    lease = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=Status.DUE, send_after__lte=now)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                status=Status.SENDING, lease=lease, claimed_at=now, send_started_at=None
            )
    return ids, lease


def claim_one(reminder_id, now=None):
    """Claim one row if it is due: the lease, or None if it is not (yet) ours to send."""
    now = now or timezone.now()
    lease = uuid.uuid4()
    claimed = Reminder.objects.filter(
        pk=reminder_id, status=Status.DUE, send_after__lte=now
    ).update(status=Status.SENDING, lease=lease, claimed_at=now, send_started_at=None)
    return lease if claimed else None


def release_unstarted(ids, lease):
    """Claims that could not be handed to a worker (the broker is down) go straight back to
    `due`, so the next scan sends them instead of waiting for the sending timeout. A row whose
    send already began keeps its claim."""
    return Reminder.objects.filter(
        pk__in=ids, status=Status.SENDING, lease=lease, send_started_at__isnull=True
    ).update(status=Status.DUE, lease=None, claimed_at=None)


def reclaim_stuck(now=None):
    """Rows left in `sending` by a dead worker go back to `due`; a begun send is flagged."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS)
    stuck = Reminder.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    due_again = {"status": Status.DUE, "lease": None, "claimed_at": None, "send_after": now}
    begun = stuck.filter(send_started_at__isnull=False).update(
        **due_again,
        send_started_at=None,
        possible_duplicate=True,
        last_error="Reclaimed: the send began but never finished (worker lost).",
    )
    queued = stuck.filter(send_started_at__isnull=True).update(**due_again)
    if begun or queued:
        log.warning(
            "Reminders reclaimed: %s mid-send (possible duplicates), %s queued", begun, queued
        )
    return begun + queued


# --- Sending ---------------------------------------------------------------------------------


def _back_to_due(reminder_id, lease, send_after, **fields):
    return Reminder.objects.filter(pk=reminder_id, lease=lease).update(
        status=Status.DUE,
        lease=None,
        claimed_at=None,
        send_started_at=None,
        send_after=send_after,
        **fields,
    )


def _preference(patient_id):
    if patient_id is None:
        return None
    return ReminderPreference.objects.filter(patient_id=patient_id).first()


def _start(reminder_id, lease, now):
    """Under the row lock: check the lease, apply the rules, build the message, mark begun.

    Returns ((reminder, message), None) to send, or (None, Outcome) when there is nothing to send.
    """
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient__user", "recipient")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return None, Outcome(reminder_id, "noop", "no such reminder")
        if reminder.status != Status.SENDING or reminder.lease != lease:
            return None, Outcome(reminder_id, "noop", f"already {reminder.status}")
        if reminder.send_started_at is not None:
            # Another delivery of the same claim is (or was) mid-send: never send twice.
            return None, Outcome(reminder_id, "noop", "a send of this claim already began")

        def skip(reason):
            reminder.status, reminder.reason, reminder.lease = Status.SKIPPED, reason[:200], None
            reminder.save(update_fields=["status", "reason", "lease", "updated_at"])
            return None, Outcome(reminder_id, "skipped", reason)

        preference = _preference(reminder.patient_id)
        if preference is not None:
            if not preference.allows(reminder.kind):
                return skip(f"the patient turned off “{reminder.get_kind_display()}”")
            until = preference.quiet_until(now, reminder.clinic.tz)
            if until is not None:
                if reminder.subject_at is not None and until >= reminder.subject_at:
                    return skip("quiet hours last until after the appointment")
                _back_to_due(reminder_id, lease, until)
                return None, Outcome(reminder_id, "deferred", f"quiet hours until {until:%H:%M}")
        try:
            message = emails.build(reminder, now)
        except emails.Skip as reason:
            return skip(str(reason))
        reminder.send_started_at, reminder.claimed_at = now, now
        reminder.attempts += 1
        reminder.save(
            update_fields=["send_started_at", "claimed_at", "attempts", "sequence", "updated_at"]
        )
        return (reminder, message), None


def try_later(error):
    """The mail server, reached, answered "try later" (4xx): nothing about this message was
    refused, so it waits for the server like an unreachable one."""
    return isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 500


def _failed(reminder_id, lease, error, now, server_down=False):
    attempts = Reminder.objects.filter(pk=reminder_id).values_list("attempts", flat=True).first()
    text = f"{type(error).__name__}: {error}"[:2000]
    if server_down:
        # A mail outage delays a row, never ends it: after the allowed attempts it keeps
        # retrying at the longest backoff, and the next scan once mail is back sends it.
        delay = timing.retry_delay(min(attempts, settings.REMINDER_MAX_ATTEMPTS))
        _back_to_due(reminder_id, lease, now + delay, last_error=text)
        log.warning(
            "Reminder %s waits for the mail server (attempt %s): %s", reminder_id, attempts, text
        )
        return Outcome(reminder_id, "retry", text, retry_in=delay.total_seconds())
    if attempts >= settings.REMINDER_MAX_ATTEMPTS:
        Reminder.objects.filter(pk=reminder_id, lease=lease).update(
            status=Status.FAILED, lease=None, send_started_at=None, last_error=text
        )
        log.error("Reminder %s failed for good after %s attempts: %s", reminder_id, attempts, text)
        return Outcome(reminder_id, "failed", text)
    delay = timing.retry_delay(attempts)
    _back_to_due(reminder_id, lease, now + delay, last_error=text)
    log.warning(
        "Reminder %s not sent (attempt %s), retry in %s: %s", reminder_id, attempts, delay, text
    )
    return Outcome(reminder_id, "retry", text, retry_in=delay.total_seconds())


def deliver(reminder_id, lease, now=None):
    """Send one claimed reminder at most once. Never raises for a bad subject or a mail error:
    those become a skipped, retried or failed row with the reason recorded."""
    now = now or timezone.now()
    lease = uuid.UUID(str(lease))
    started, outcome = _start(reminder_id, lease, now)
    if outcome is not None:
        return outcome
    reminder, message = started
    connection = get_connection()
    try:
        if settings.REMINDER_SEND_DELAY_MS:
            time.sleep(settings.REMINDER_SEND_DELAY_MS / 1000)
        try:
            connection.open()
        except OSError as error:  # not reached (refused, silent, 554 at the greeting): the
            # server is down and nothing of this message went, so it waits however long.
            return _failed(reminder_id, lease, error, now, server_down=True)
        message.connection = connection
        message.send()
    except Exception as error:  # refused recipient, cut off mid-send, template bug: recorded
        # A send cut off after the server was reached may have been delivered: such errors
        # count towards REMINDER_MAX_ATTEMPTS, so a server that swallows mail and never
        # answers cannot make a row go out again and again.
        return _failed(reminder_id, lease, error, now, server_down=try_later(error))
    finally:
        connection.close()
    sent_at = timezone.now()
    done = Reminder.objects.filter(pk=reminder_id, lease=lease).update(
        status=Status.SENT, sent_at=sent_at, lease=None, last_error=""
    )
    if reminder.kind == Kind.EMERGENCY_ACCESS:
        EmergencyAccess.mark_told(reminder.subject_id, sent_at)
    if not done:
        # Reclaimed while we were sending (a send slower than the timeout): it may go twice.
        Reminder.objects.filter(pk=reminder_id).update(possible_duplicate=True)
        log.error("Reminder %s was reclaimed while being sent", reminder_id)
    return Outcome(reminder_id, "sent")


# --- The scan --------------------------------------------------------------------------------


def scan(dispatch, now=None, max_batches=None):
    """Plan what fell due, reclaim what a dead worker left, claim and hand over the rest.

    `dispatch(ids, lease)` sends the batch: Celery tasks in the worker, in-process for the
    management command. Batches are claimed and committed one at a time.
    """
    now = now or timezone.now()
    result = ScanResult()
    result.planned = planner.plan_all(now)
    result.reclaimed = reclaim_stuck(now)
    batches = 0
    while max_batches is None or batches < max_batches:
        ids, lease = claim_due(now)
        if not ids:
            break
        batches += 1
        try:
            dispatch(ids, lease)
        except Exception:  # broker unreachable: release the batch and stop; the next scan sends
            result.released = release_unstarted(ids, lease)
            log.warning(
                "Could not queue %s claimed reminders; %s returned to due for the next scan",
                len(ids),
                result.released,
                exc_info=True,
            )
            break
        result.claimed.extend((pk, lease) for pk in ids)
    return result


def plan_after_save(appointment_id, enqueue):
    """After an appointment's save commits: plan what is due for it now and try to send it.

    If the broker is unreachable the rows stay due and the periodic scan sends them.
    """
    from kapclinic.clinic.models import Appointment

    appointment = (
        Appointment.objects.select_related("clinic", "course").filter(pk=appointment_id).first()
    )
    if appointment is None:
        return []
    now = timezone.now()
    planner.plan_appointment(appointment, now)
    due = list(
        Reminder.objects.filter(
            subject_type="appointment",
            subject_id=appointment_id,
            status=Status.DUE,
            send_after__lte=now,
        ).values_list("pk", flat=True)
    )
    for pk in due:
        try:
            enqueue(pk)
        except Exception:  # broker down: the scan will find the row
            log.warning("Could not queue reminder %s; the periodic scan will send it", pk)
            break
    return due
