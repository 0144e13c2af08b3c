"""Turn the phases' data into due reminder rows. Idempotent: the unique constraint decides.

A row is planned once its due time has come (and is not yet stale), so the log holds what was
actually due, not guesses about the future. Called by the scan for everything and, after an
appointment is saved, for that appointment alone.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from intake.models import IntakeRecord, Invitation
from integration.models import MeasureRequest
from kapclinic.clinic.models import Appointment, CourseState, FollowUpTask, Provider
from kapclinic.clinic.models.people import CLINICIAN_ROLES

from . import timing
from .models import APPOINTMENT_KINDS, Kind, Reminder, Status, SubjectType

INTAKE_OPEN_STATES = (CourseState.INTAKE_IN_PROGRESS, CourseState.MORE_INFO_REQUESTED)


def _row(kind, subject_type, subject_id, due_at, clinic_id, *, patient_id=None, **extra):
    extra.setdefault("send_after", due_at)
    return Reminder(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        due_at=due_at,
        clinic_id=clinic_id,
        patient_id=patient_id,
        **extra,
    )


def save_rows(rows):
    """Insert the rows that are new; existing (subject, kind, due, channel) rows are kept."""
    if rows:
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


# --- Appointments --------------------------------------------------------------------------


def last_told(history):
    """The version of the appointment the patient last received, or None if none went out.

    Each sent appointment email records the `sequence` it described (`emails.build`).
    """
    sent = [r for r in history if r.status == Status.SENT]
    if not sent:
        return None
    return max(sent, key=lambda r: (told_version(r), r.pk))


def told_version(row):
    """-1 for an email sent before versions were kept: any later change is newer."""
    return -1 if row.sequence is None else row.sequence


def notice_row(appointment, history, now):
    """The notice of a move or a cancellation this appointment needs now, or None.

    Due whenever the appointment's version (`sequence`, bumped by every write that changes
    its time or status, `save()` and queryset `update()` alike) is newer than the version the
    patient was last sent, whichever path made the change. Only a patient who holds an invite
    gets one: nothing else is in their calendar to correct.
    """
    told = last_told(history)
    if told is None or appointment.sequence == 0 or told_version(told) >= appointment.sequence:
        return None
    if appointment.status == Appointment.Status.CANCELLED:
        if told.kind == Kind.APPOINTMENT_CANCELLED:
            return None  # their calendar already has it off
        kind = Kind.APPOINTMENT_CANCELLED
    elif appointment.status == Appointment.Status.BOOKED:
        kind = Kind.APPOINTMENT_UPDATED
    else:
        return None  # checked in, completed or missed: the calendar entry stands
    planned = {(r.kind, r.sequence) for r in history}
    if (kind, appointment.sequence) in planned:
        return None
    return _row(
        kind,
        SubjectType.APPOINTMENT,
        appointment.pk,
        # One row per version: the moment of the change (the unique key also takes kind).
        appointment.changed_at,
        appointment.clinic_id,
        patient_id=appointment.course.patient_id,
        subject_at=appointment.starts_at,
        sequence=appointment.sequence,
        send_after=now,
    )


def appointment_rows(appointment, history, now):
    """New rows for one appointment. `history`: its existing appointment-kind rows."""
    starts = appointment.starts_at
    if starts <= now:
        return []
    notice = notice_row(appointment, history, now)
    rows = [notice] if notice is not None else []
    if appointment.status != Appointment.Status.BOOKED:
        return rows
    patient_id = appointment.course.patient_id
    common = {"clinic_id": appointment.clinic_id, "patient_id": patient_id, "subject_at": starts}
    stale = timing.stale_before(now)
    due_times = {kind: starts - offset for kind, offset in timing.appointment_offsets().items()}
    if appointment.kind == Appointment.Kind.DOSING:
        due_times[Kind.PRE_SESSION] = timing.pre_session_due(starts, appointment.clinic.tz)
    for kind, due in due_times.items():
        if stale <= due <= now:
            rows.append(_row(kind, SubjectType.APPOINTMENT, appointment.pk, due, **common))
    return rows


def _appointment_history(ids):
    history = {}
    for row in Reminder.objects.filter(
        subject_type=SubjectType.APPOINTMENT, subject_id__in=ids, kind__in=APPOINTMENT_KINDS
    ).only("subject_id", "kind", "status", "subject_at", "sequence"):
        history.setdefault(row.subject_id, []).append(row)
    return history


def plan_appointment(appointment, now):
    """Rows for one appointment (the post_save path)."""
    history = _appointment_history([appointment.pk]).get(appointment.pk, [])
    return save_rows(appointment_rows(appointment, history, now))


def plan_appointments(now):
    """Appointments whose reminders fall due now, plus every one changed since the patient's
    last email about it (a newer `sequence`), whatever path changed it."""
    stale = timing.stale_before(now)
    hour = datetime.timedelta(hours=1)
    # Only appointments with a reminder falling due in [stale, now]: a few narrow index ranges.
    window = Q()
    for offset in timing.appointment_offsets().values():
        window |= Q(starts_at__gte=stale + offset, starts_at__lte=now + offset)
    evening = timing.wall_time(settings.REMINDER_PRE_SESSION_TIME)
    to_midnight = datetime.timedelta(hours=24 - evening.hour, minutes=-evening.minute)
    window |= Q(
        kind=Appointment.Kind.DOSING,
        starts_at__gte=stale + to_midnight - hour,
        starts_at__lte=now + datetime.timedelta(days=1) + to_midnight + hour,
    )
    booked = Appointment.objects.filter(window, starts_at__gt=now, status=Appointment.Status.BOOKED)
    # The newest version the patient was sent (-1: an email from before versions were kept);
    # an appointment never emailed has none, and nothing to correct.
    told = (
        Reminder.objects.filter(
            subject_type=SubjectType.APPOINTMENT,
            subject_id=OuterRef("pk"),
            kind__in=APPOINTMENT_KINDS,
            status=Status.SENT,
        )
        .annotate(told=Coalesce("sequence", -1))
        .order_by("-told")
        .values("told")[:1]
    )
    changed = Appointment.objects.filter(starts_at__gt=now, sequence__gt=0).filter(
        sequence__gt=Subquery(told)
    )
    appointments = list(
        (booked | changed)
        .select_related("clinic", "course")
        .only(
            "pk",
            "kind",
            "status",
            "starts_at",
            "sequence",
            "changed_at",
            "clinic__time_zone",
            "course__patient_id",
        )
    )
    history = _appointment_history([a.pk for a in appointments])
    rows = []
    for appointment in appointments:
        rows.extend(appointment_rows(appointment, history.get(appointment.pk, []), now))
    return save_rows(rows)


# --- Intake, questionnaires, invitations ------------------------------------------------------


def _days_after_rows(records, since, setting, kind, subject_type, now):
    """A row for each record whose `since` time passed one of the setting's day counts, within
    the scan's window: the reminder that goes out N days after an intake opens or an invite goes.
    """
    stale = timing.stale_before(now)
    rows = []
    for days in settings_days(setting):
        offset = datetime.timedelta(days=days)
        due = records.filter(**{f"{since}__lte": now - offset, f"{since}__gte": stale - offset})
        values = due.values_list("pk", "course__clinic_id", "course__patient_id", since)
        for pk, clinic_id, patient_id, at in values:
            rows.append(_row(kind, subject_type, pk, at + offset, clinic_id, patient_id=patient_id))
    return rows


def plan_intake(now):
    records = IntakeRecord.objects.filter(course__state__in=INTAKE_OPEN_STATES)
    return save_rows(
        _days_after_rows(
            records,
            "course__state_changed_at",
            "REMINDER_INTAKE_DAYS",
            Kind.INTAKE_UNFINISHED,
            SubjectType.INTAKE,
            now,
        )
    )


def measure_rows_for(requests, now):
    stale = timing.stale_before(now)
    rows = []
    for course_id, clinic_id, patient_id, opens, due, expires in requests:
        for kind, at in (
            (Kind.MEASURE_DUE, timing.measure_due_at(opens, due)),
            (Kind.MEASURE_OVERDUE, timing.measure_overdue_at(due)),
        ):
            if stale <= at <= now < expires:
                # Keyed by course and time: questionnaires due together make one email.
                rows.append(
                    _row(
                        kind,
                        SubjectType.COURSE_MEASURES,
                        course_id,
                        at,
                        clinic_id,
                        patient_id=patient_id,
                    )
                )
    return rows


def open_measure_requests():
    return MeasureRequest.objects.requested().values_list(
        "course_id", "course__clinic_id", "course__patient_id", "opens_at", "due_at", "expires_at"
    )


def plan_measures(now):
    requests = open_measure_requests().filter(opens_at__lte=now, expires_at__gt=now)
    return save_rows(measure_rows_for(requests, now))


def plan_invitations(now):
    invitations = Invitation.objects.filter(
        used_at__isnull=True, replaced_at__isnull=True, expires_at__gt=now
    )
    return save_rows(
        _days_after_rows(
            invitations,
            "created_at",
            "REMINDER_INVITATION_DAYS",
            Kind.INVITATION_PENDING,
            SubjectType.INVITATION,
            now,
        )
    )


def plan_digests(now):
    """Today's digest for each active clinician whose clinic has something waiting."""
    from .digest import digest_counts

    stale = timing.stale_before(now)
    candidates = []
    providers = (
        Provider.objects.active()
        .filter(role__in=CLINICIAN_ROLES)
        .select_related("clinic")
        .only("pk", "user_id", "clinic__time_zone")
    )
    for provider in providers:
        due = timing.digest_due(now, provider.clinic.tz)
        if stale <= due <= now:
            candidates.append((provider, due))
    if not candidates:
        return 0
    planned = set(
        Reminder.objects.filter(
            kind=Kind.CLINICIAN_DIGEST,
            subject_type=SubjectType.PROVIDER,
            subject_id__in=[p.pk for p, _ in candidates],
            due_at__gte=stale,
        ).values_list("subject_id", "due_at")
    )
    busy = {}
    rows = []
    for provider, due in candidates:
        if (provider.pk, due) in planned:
            continue
        if provider.clinic_id not in busy:
            busy[provider.clinic_id] = any(digest_counts(provider.clinic_id, now).values())
        if busy[provider.clinic_id]:
            rows.append(
                _row(
                    Kind.CLINICIAN_DIGEST,
                    SubjectType.PROVIDER,
                    provider.pk,
                    due,
                    provider.clinic_id,
                    recipient_id=provider.user_id,
                )
            )
    return save_rows(rows)


def plan_follow_up_escalations(now):
    """One escalation per overdue follow-up task, however late the scan: a risk follow-up
    missed is never too old to tell the prescribers about."""
    escalated = Reminder.objects.filter(
        subject_type=SubjectType.FOLLOW_UP_TASK,
        subject_id=OuterRef("pk"),
        kind=Kind.FOLLOW_UP_OVERDUE,
    )
    tasks = (
        FollowUpTask.objects.overdue(now)
        .filter(~Exists(escalated))
        .values_list("pk", "due_at", "course__clinic_id")
    )
    return save_rows(
        [
            # No patient on the row: the patient's own reminder settings must not mute it.
            _row(Kind.FOLLOW_UP_OVERDUE, SubjectType.FOLLOW_UP_TASK, pk, due, clinic_id)
            for pk, due, clinic_id in tasks
        ]
    )


def settings_days(name):
    return [int(day) for day in getattr(settings, name)]


def plan_all(now):
    """Every kind; returns how many candidate rows were offered (existing ones are kept)."""
    return sum(
        plan(now)
        for plan in (
            plan_appointments,
            plan_intake,
            plan_measures,
            plan_invitations,
            plan_digests,
            plan_follow_up_escalations,
        )
    )
