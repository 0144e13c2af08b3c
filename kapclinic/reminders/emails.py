"""What each reminder says, to whom, and why it might not be sent after all.

Subjects and bodies name the clinic and a time, never a treatment, a diagnosis or a score:
an email can be read over a shoulder or on a lock screen. Everything else is behind the link.
"""

import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from intake.models import IntakeRecord, Invitation
from integration.models import MeasureRequest
from kapclinic.clinic.models import (
    Appointment,
    EmergencyAccess,
    FollowUpTask,
    Protocol,
    Provider,
    Role,
    SafetyFlag,
    StaffInvitation,
)
from kapclinic.clinic.models.people import CLINICIAN_ROLES
from kapclinic.clinic.staff_invitations import link_parts, why_not_invite
from kapclinic.stock.models import Discrepancy

from . import ics, timing
from .digest import digest_counts
from .models import APPOINTMENT_KINDS, Kind, SubjectType
from .planner import INTAKE_OPEN_STATES

HEADER = "X-KAP-Reminder"
# Notices of a change, planned for one version (`sequence`) of the appointment.
NOTICE_KINDS = frozenset({Kind.APPOINTMENT_UPDATED, Kind.APPOINTMENT_CANCELLED})
# Written to staff, not patients: no patient reminder settings, a link to the staff pages.
STAFF_KINDS = frozenset(
    {
        Kind.CLINICIAN_DIGEST,
        Kind.FOLLOW_UP_OVERDUE,
        Kind.SAFETY_ALERT,
        Kind.STAFF_INVITATION,
        Kind.DISCREPANCY_ALERT,
        Kind.EMERGENCY_ACCESS,
    }
)
# Written to every active prescriber of the clinic (the medical director is one).
PRESCRIBERS_KINDS = frozenset({Kind.FOLLOW_UP_OVERDUE, Kind.DISCREPANCY_ALERT})


class Skip(Exception):
    """The reminder must not go; the message is the reason recorded on the row."""


def subject_of(reminder, rows, what):
    """The reminder's subject from `rows`, or Skip: it was deleted since the row was written."""
    subject = rows.filter(pk=reminder.subject_id).first()
    if subject is None:
        raise Skip(f"the {what} no longer exists")
    return subject


def link(name, *args):
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def sender(clinic):
    """“North clinic <no-reply@…>”: the clinic's name on the configured address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    return formataddr((clinic.name, address))


def local(moment, clinic):
    value = moment.astimezone(clinic.tz)
    return f"{value:%A} {value.day} {value:%B %Y} at {value:%H:%M}"


# --- Per kind: checks and context ------------------------------------------------------------


def _appointment(reminder, now):
    appointment = subject_of(reminder, Appointment.objects.select_related("clinic"), "appointment")
    kind = reminder.kind
    if kind in NOTICE_KINDS and (reminder.sequence or 0) < appointment.sequence:
        raise Skip("the appointment changed again: a newer notice goes instead")
    if kind == Kind.APPOINTMENT_CANCELLED:
        if appointment.status != Appointment.Status.CANCELLED:
            raise Skip("the appointment was rebooked")
    elif appointment.status == Appointment.Status.CANCELLED:
        raise Skip("the appointment was cancelled")
    elif appointment.status != Appointment.Status.BOOKED:
        raise Skip(f"the appointment is {appointment.get_status_display().lower()}")
    elif appointment.starts_at != reminder.subject_at:
        raise Skip("the appointment was moved")
    if appointment.starts_at <= now:
        raise Skip("the appointment has already started")
    context = {"appointment_time": local(appointment.starts_at, appointment.clinic)}
    if kind == Kind.PRE_SESSION:
        # Without a signed-off protocol there are no fasting times to give: the email asks
        # the patient to check with the clinic rather than quote unsigned values.
        protocol = Protocol.objects.effective_for(appointment.clinic)
        if protocol is not None:
            context |= {
                "food_hours": _hours(protocol.fasting_food_minutes),
                "liquid_minutes": protocol.fasting_liquid_minutes,
            }
    return appointment, context


def _hours(minutes):
    return f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"


def _intake(reminder, now):
    record = subject_of(reminder, IntakeRecord.objects.select_related("course"), "intake")
    if record.course.state not in INTAKE_OPEN_STATES:
        raise Skip("the intake was submitted")
    return record, {}


def _measures(reminder, now):
    requests = MeasureRequest.objects.requested().filter(
        course_id=reminder.subject_id, opens_at__lte=now, expires_at__gt=now
    )
    at = (
        timing.measure_due_at
        if reminder.kind == Kind.MEASURE_DUE
        else lambda opens, due: timing.measure_overdue_at(due)
    )
    waiting = [r for r in requests if at(r.opens_at, r.due_at) == reminder.due_at]
    if not waiting:
        raise Skip("the questionnaires were completed or have closed")
    return waiting, {"count": len(waiting), "overdue": reminder.kind == Kind.MEASURE_OVERDUE}


def _invitation(reminder, now):
    invitation = subject_of(reminder, Invitation.objects, "invitation")
    status = invitation.status
    if status != Invitation.Status.VALID:
        raise Skip(f"the invitation is {Invitation.Status(status).label.lower()}")
    if reminder.kind == Kind.INVITATION:
        # The link itself, drawn now: the raw token lives only in this email.
        url = link("intake:accept", invitation.renew_link(now))
        patient = reminder.patient
        expires_at = local(invitation.expires_at, reminder.clinic)
        return invitation, {"url": url, "expires_at": expires_at, "patient": patient}
    return invitation, {"invited_on": local(invitation.created_at, reminder.clinic)}


def _staff_invitation(reminder, now):
    rows = StaffInvitation.objects.select_related("provider__user", "invited_by")
    invitation = subject_of(reminder, rows, "invitation")
    provider = invitation.provider
    if provider.invitations.values_list("pk", flat=True).first() != invitation.pk:
        raise Skip("a newer invitation replaced it")
    if reason := why_not_invite(provider):
        raise Skip(reason)
    # The link itself, drawn now: it exists only in this email.
    uid, token, expires_at = link_parts(provider.user, now)
    return invitation, {
        "url": link("clinic:staff-welcome", uid, token),
        "expires_at": local(expires_at, reminder.clinic),
        "invited_by": invitation.invited_by,
        "person": provider.user,
    }


def _digest(reminder, now):
    provider = Provider.objects.select_related("user").filter(pk=reminder.subject_id).first()
    if provider is None or not provider.active or not provider.user.is_active:
        raise Skip("the clinician is no longer active")
    counts = digest_counts(provider.clinic_id, now)
    if not any(counts.values()):
        raise Skip("nothing to report")
    # The clinician's own follow-up tasks due within the day, overdue ones included.
    counts["follow_up_tasks"] = (
        FollowUpTask.objects.open()
        .filter(owner=provider, due_at__lt=now + datetime.timedelta(hours=24))
        .count()
    )
    return provider, counts


def alert_recipients(course):
    """The course's active care team (its therapist often knows the patient best and calls
    first), and every active prescriber of the clinic when the team names none: a prescriber
    always hears."""
    members = course.care_team.active().filter(role__in=CLINICIAN_ROLES).select_related("user")
    team = list(members)
    if not any(p.role == Role.PRESCRIBER for p in team):
        team += Provider.objects.active().filter(clinic_id=course.clinic_id, role=Role.PRESCRIBER)
    return sorted({p.user.email for p in team})


def _safety_flag(reminder, now):
    flag = (
        SafetyFlag.objects.select_related("course__patient").filter(pk=reminder.subject_id).first()
    )
    if flag is None or not flag.is_open:
        raise Skip("the safety flag was resolved before the alert went")
    chart_url = link("clinic:patient-chart", flag.course.patient_id)
    return flag, {"chart_url": chart_url, "url": chart_url}


def _follow_up(reminder, now):
    task = subject_of(reminder, FollowUpTask.objects.select_related("course"), "follow-up task")
    if not task.is_open:
        raise Skip("the follow-up task was closed")
    return task, {"chart_url": link("clinic:patient-chart", task.course.patient_id)}


def _stock_count(reminder, now):
    """The discrepancies one count opened. Sent even when resolved since: the prescribers
    learn that stock was found short, whoever explained it and however fast."""
    found = list(
        Discrepancy.objects.filter(
            clinic_id=reminder.clinic_id, location_id=reminder.subject_id, opened_at=reminder.due_at
        ).only("resolved_at")
    )
    if not found:
        raise Skip("the count's discrepancies no longer exist")
    return found, {
        "counted_at": local(reminder.due_at, reminder.clinic),
        "differences": len(found),
        "still_open": sum(d.is_open for d in found),
        "url": link("stock:discrepancies"),
    }


def _emergency_access(reminder, now):
    """Sent however late: the clinic's admins hear of every break-glass (it may have ended)."""
    rows = EmergencyAccess.objects.select_related("patient__clinic", "user__provider__clinic")
    access = subject_of(reminder, rows, "emergency access")
    url = link("admin:clinic_emergencyaccess_change", access.pk)
    return access, access.notice_context() | {"url": url}


CHECKS = {
    SubjectType.APPOINTMENT: _appointment,
    SubjectType.INTAKE: _intake,
    SubjectType.COURSE_MEASURES: _measures,
    SubjectType.INVITATION: _invitation,
    SubjectType.STAFF_INVITATION: _staff_invitation,
    SubjectType.PROVIDER: _digest,
    SubjectType.SAFETY_FLAG: _safety_flag,
    SubjectType.FOLLOW_UP_TASK: _follow_up,
    SubjectType.STOCK_COUNT: _stock_count,
    SubjectType.EMERGENCY_ACCESS: _emergency_access,
}

# template, subject (formatted with the clinic's name)
WORDING = {
    Kind.APPOINTMENT_EARLY: ("appointment", "Your appointment at {clinic}"),
    Kind.APPOINTMENT_SOON: ("appointment", "Your appointment at {clinic}"),
    Kind.APPOINTMENT_UPDATED: ("appointment", "Your appointment at {clinic} has moved"),
    Kind.APPOINTMENT_CANCELLED: ("appointment", "Your appointment at {clinic} is cancelled"),
    Kind.PRE_SESSION: ("pre_session", "Getting ready for your appointment at {clinic}"),
    Kind.INTAKE_UNFINISHED: ("intake_unfinished", "Your forms for {clinic} are waiting"),
    Kind.MEASURE_DUE: ("measure", "A short questionnaire from {clinic}"),
    Kind.MEASURE_OVERDUE: ("measure", "A short questionnaire from {clinic} is waiting"),
    Kind.INVITATION: ("invitation_link", "Your invitation from {clinic}"),
    Kind.INVITATION_PENDING: ("invitation", "Your invitation from {clinic}"),
    Kind.STAFF_INVITATION: ("staff_invitation", "Your staff account at {clinic}"),
    Kind.CLINICIAN_DIGEST: ("digest", "Your daily summary at {clinic}"),
    Kind.SAFETY_ALERT: ("safety_flag_alert", "Action needed: a safety alert at {clinic}"),
    Kind.FOLLOW_UP_OVERDUE: (
        "follow_up_overdue",
        "Action needed: overdue follow-up at {clinic}",
    ),
    Kind.DISCREPANCY_ALERT: (
        "discrepancy_alert",
        "Action needed: a controlled-drug count did not match at {clinic}",
    ),
    Kind.EMERGENCY_ACCESS: ("emergency_access", "Emergency access to a patient record at {clinic}"),
}


def register(subject_type, kind, template, subject):
    """An app above this one (the calendar) adds the email of a subject it owns, from its
    `reminder_emails.py` (found by name when the apps are ready): `check(reminder, now)`
    returns (subject, context) or raises Skip, as the checks above do."""

    def add(check):
        CHECKS[subject_type], WORDING[kind] = check, (template, subject)
        return check

    return add


def recipients_of(reminder, subject_obj):
    """The addresses to write to; Skip if there is none we may use."""
    if reminder.kind == Kind.SAFETY_ALERT:
        to = alert_recipients(subject_obj.course)
        if not to:
            raise Skip("no active prescriber to alert")
        return to
    if reminder.kind == Kind.EMERGENCY_ACCESS:
        if to := subject_obj.admins_to_tell():
            return to
        raise Skip("the clinic has no active admin and no email address")
    return recipient_of(reminder)


def recipient_of(reminder):
    """The addresses to write to; Skip if there is none we may use."""
    if reminder.kind in PRESCRIBERS_KINDS:
        prescribers = Provider.objects.active().filter(
            clinic_id=reminder.clinic_id, role=Role.PRESCRIBER
        )
        addresses = sorted({p.user.email for p in prescribers.select_related("user")})
        if not addresses:
            raise Skip("the clinic has no active prescriber")
        return addresses
    if reminder.kind in (Kind.CLINICIAN_DIGEST, Kind.STAFF_INVITATION):
        user = reminder.recipient
        if user is None:
            raise Skip("the clinician's account was deleted")
        if not user.is_active or not user.email:
            raise Skip("the clinician's account is inactive or has no email")
        return [user.email]
    patient = reminder.patient
    if patient is None:
        raise Skip("the patient record was deleted")
    if patient.user_id is not None and not patient.user.is_active:
        raise Skip("the patient's account is deactivated")
    if not (patient.email or "").strip():
        raise Skip("the patient has no email address")
    return [patient.email]


def build(reminder, now):
    """The message for this reminder, or Skip. Checks the subject is still current first."""
    subject_obj, context = CHECKS[reminder.subject_type](reminder, now)
    to = recipients_of(reminder, subject_obj)
    clinic = reminder.clinic
    template, subject = WORDING[reminder.kind]
    is_digest = reminder.kind in STAFF_KINDS
    no_login_yet = reminder.kind == Kind.INVITATION
    context = {
        "clinic": clinic,
        "kind": reminder.kind,
        "url": link("clinic:caseload") if is_digest else link("clinic:my-journey"),
        "preferences_url": "" if is_digest or no_login_yet else link("reminders:preferences"),
    } | context
    message = EmailMultiAlternatives(
        subject=subject.format(clinic=clinic.name),
        body=render_to_string(f"reminders/email/{template}.txt", context),
        from_email=sender(clinic),
        to=to,
        reply_to=[clinic.email] if clinic.email else None,
        headers={HEADER: str(reminder.pk)},
    )
    message.attach_alternative(
        render_to_string(f"reminders/email/{template}.html", context), "text/html"
    )
    if reminder.kind in APPOINTMENT_KINDS:
        cancelled = reminder.kind == Kind.APPOINTMENT_CANCELLED
        # The version this email describes: the planner compares it with the appointment's
        # own when it changes again (saved with the row by services._start).
        reminder.sequence = subject_obj.sequence
        invite = ics.appointment_invite(
            subject_obj,
            clinic,
            attendee=to[0],  # an appointment reminder has one recipient: the patient
            sequence=subject_obj.sequence,
            cancelled=cancelled,
            url=context["url"],
        )
        message.attach(ics.invite_part(invite, cancelled=cancelled))
    return message
