"""Inviting a patient: the patient and their course, a single-use link, accepting it.

Views and the demo call these. The email itself is sent by the worker (the reminders app hears
of each new invitation), never by the request that invites.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.models import CourseState, JourneyError, Patient, TreatmentCourse
from kapclinic.clinic.submissions import earlier_entry, save_once

from .models import IntakeRecord, Invitation


def invitation_for_request(clinic, request_key):
    """The course an invite form already created (its one-time key), or None."""
    return earlier_entry(request_key, TreatmentCourse, clinic)


def invite_patient(
    *,
    by,
    clinic,
    legal_name,
    email,
    indication,
    care_team,
    preferred_name="",
    request_key=None,
):
    """Create the patient and their course ("invited") and issue a single-use invitation.

    The email with its link is sent by the worker (the reminders app hears of the new
    invitation), never by this request, so a mail outage cannot fail or slow the invite.
    The same invite form sent twice (its one-time key) raises AlreadySaved with the course.
    """
    return save_once(
        request_key,
        kind=TreatmentCourse,
        record=clinic,
        by=by,
        write=lambda: _invite(by, clinic, legal_name, preferred_name, email, indication, care_team),
    )


def _invite(by, clinic, legal_name, preferred_name, email, indication, care_team):
    with transaction.atomic():
        patient = Patient.objects.create(
            clinic=clinic, legal_name=legal_name, preferred_name=preferred_name, email=email
        )
        course = TreatmentCourse.objects.create(
            patient=patient, clinic=clinic, indication=indication
        )
        course.care_team.set(care_team)
        IntakeRecord.objects.create(course=course)
        audit(by, patient, "patient invited")
        Invitation.issue(course, by)
    return course


def resend_invitation(course, *, by):
    """A new invitation replaces any open one; its email goes out like the first."""
    if course.state != CourseState.INVITED or course.patient.user_id:
        raise JourneyError("This patient has already accepted their invitation.")
    with transaction.atomic():
        Invitation.issue(course, by)
        audit(by, course, "invitation resent", CHANGE)


def accept_invitation(invitation, password):
    """Create the patient's login from a valid invitation and start their intake."""
    User = get_user_model()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(no_key=True).get(pk=invitation.pk)
        if invitation.status != Invitation.Status.VALID:
            raise JourneyError(
                f"This invitation link has {invitation.get_status_display().lower()}."
            )
        patient = invitation.course.patient
        if User.objects.filter(email__iexact=patient.email).exists():
            raise JourneyError("An account already exists for this email: please sign in.")
        first, _, last = patient.legal_name.partition(" ")
        user = User.objects.create_user(
            patient.email, password, first_name=first[:150], last_name=last[:150]
        )
        patient.user = user
        patient.save(update_fields=["user"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        invitation.course.start_intake(user)
    return user
