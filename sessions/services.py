"""Phase 2 workflows: open a session, check in, dose, monitor, discharge, sign.

Views call these (doses, monitoring, the gate and discharge live in their own modules and
are re-exported here). Each refuses with DosingError (a plain message to show as is) or, for a
value that is not valid, the model's ValidationError with field errors; each runs in one
transaction and writes the audit trail.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic import signing
from kapclinic.clinic.mixins import require_patient_or_staff, require_staff
from kapclinic.clinic.models import Appointment, SafetyFlag
from kapclinic.clinic.risk import flag_urgent_answers
from kapclinic.clinic.submissions import save_once
from kapclinic.measures.models import QuestionnaireResponse

from . import booking, gate_overrides, rems_form
from .booking import check_in_refusal, mark_checked_in, opening_refusal
from .discharge import discharge, discharge_criteria
from .doses import DoseAlreadyRecorded, dose_for_request, record_dose
from .gate import evaluate_gate
from .identity import record_identity_check
from .locks import locked, locked_open
from .models import (
    CheckIn,
    DosingError,
    DosingSession,
    GateOverride,
    PregnancyStatus,
    Thresholds,
)
from .models.session import CLINICIANS, PRESCRIBER, plain
from .monitoring_services import (
    acknowledge_alert,
    mark_entered_in_error,
    record_adverse_event,
    record_observation,
    record_vitals,
)
from .plan import PlanTerms, plan_and_protocol

__all__ = [
    "acknowledge_alert",
    "add_addendum",
    "complete_check_in",
    "confirm_companion",
    "DoseAlreadyRecorded",
    "discharge",
    "discharge_criteria",
    "dose_for_request",
    "evaluate_gate",
    "mark_entered_in_error",
    "open_session",
    "opening_refusal",
    "opening_refusal_for",
    "override_gate",
    "record_adverse_event",
    "record_dose",
    "record_identity_check",
    "record_observation",
    "record_vitals",
    "record_weight",
    "save_check_in",
    "save_check_in_questionnaire",
    "send_check_in",
    "sign_session",
]

CHECK_IN_FIELDS = (
    "last_food_at",
    "last_drink_at",
    "companion_name",
    "companion_phone",
    "new_medications",
    "new_substances",
    "possibly_pregnant",
)
CHECK_IN_INSTRUMENTS = ("gad7", "phq9")


# --- Opening ------------------------------------------------------------------------------


def open_session(appointment, by):
    """The session for a dosing appointment, created on first call.

    It opens with the treatment plan version in force and the clinic's signed-off protocol
    for that plan's route and product, both frozen; with no plan or no such protocol it
    does not open (DosingError says what is missing).
    """
    require_staff(by, appointment.course, CLINICIANS, "open a dosing session", refusal=DosingError)
    if appointment.kind != Appointment.Kind.DOSING:
        raise DosingError("Only a dosing appointment has a dosing session.")
    if appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW):
        raise DosingError(f"This appointment is {appointment.get_status_display().lower()}.")
    with transaction.atomic():
        existing = DosingSession.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing
        plan, protocol = plan_and_protocol(appointment.course)
        booking.refuse_early_opening(appointment, protocol)
        session, created = DosingSession.objects.get_or_create(
            appointment=appointment,
            defaults={
                "course": appointment.course,
                "protocol": protocol,
                "protocol_snapshot": Thresholds.snapshot(protocol),
                "plan_snapshot": PlanTerms.snapshot(plan, protocol),
                "opened_by": by,
            },
        )
        if created:
            audit(by, session, f"dosing session {session.pk} opened")
    return session


def opening_refusal_for(appointment):
    """Why this appointment's session cannot be opened now, in words, or None.

    No signed plan, no protocol in force for its route and product, or too early by that
    protocol's window: the screen says so instead of offering a button that would fail.
    """
    try:
        _plan, protocol = plan_and_protocol(appointment.course)
    except DosingError as error:
        return str(error)
    return opening_refusal(appointment, protocol)


def confirm_companion(session, by):
    """Staff saw, or spoke to, the responsible adult taking the patient home (§4.1)."""
    require_staff(by, session.course, CLINICIANS, "confirm the companion", refusal=DosingError)
    with transaction.atomic():
        session = locked_open(session)
        session.companion_confirmed, session.companion_confirmed_by = True, by
        session.save(update_fields=["companion_confirmed", "companion_confirmed_by"])
        audit(by, session, f"dosing session {session.pk}: companion confirmed", CHANGE)
    return session


def record_weight(session, by, weight_kg):
    """Baseline weight for mg/kg dosing (reference §3). It stays once a dose is given: every
    booster's session total in mg/kg is judged by the weight the first dose was."""
    require_staff(
        by, session.course, CLINICIANS, "record the patient's weight", refusal=DosingError
    )
    with transaction.atomic():
        session = locked_open(session)
        first = session.administrations.first()
        if first is not None:
            raise ValidationError(
                {
                    "weight_kg": f"The first dose was judged by {plain(first.weight_kg)} kg: "
                    "the weight stays for this session's doses. If it was wrong, mark the dose "
                    "entered in error first, then record the weight."
                }
            )
        session.weight_kg = Decimal(str(weight_kg))
        session.full_clean(exclude=["appointment"])
        session.save(update_fields=["weight_kg"])
        audit(by, session, f"dosing session {session.pk}: weight recorded", CHANGE)
    return session


# --- Check-in -----------------------------------------------------------------------------


def _editable_check_in(appointment, by):
    require_patient_or_staff(
        by, appointment.course, "check in for this appointment", refusal=DosingError
    )
    if appointment.kind != Appointment.Kind.DOSING:
        raise DosingError("Check-in is for dosing appointments.")
    check_in, _ = CheckIn.objects.select_for_update(no_key=True).get_or_create(
        appointment=appointment
    )
    if check_in.is_complete:
        raise DosingError("The check-in is complete. Tell the clinician about any change.")
    return check_in


def save_check_in(appointment, by, data):
    """Save the check-in answers given so far (fasting, companion, medicines, pregnancy)."""
    with transaction.atomic():
        check_in = _editable_check_in(appointment, by)
        for field in CHECK_IN_FIELDS:
            if field in data:
                value = data[field]
                setattr(check_in, field, value.strip() if isinstance(value, str) else value)
        check_in.full_clean()
        check_in.save()
        audit(by, appointment.course, f"check-in {check_in.pk} saved", CHANGE)
    return check_in


def save_check_in_questionnaire(appointment, by, instrument, answers, *, complete):
    """GAD-7 or PHQ-9 at check-in; PHQ-9 item 9 above 0 raises a safety flag at once.

    Raises the instrument's InvalidAnswer / IncompleteAnswers unchanged.
    """
    if instrument not in CHECK_IN_INSTRUMENTS:
        raise DosingError("Check-in asks the GAD-7 and the PHQ-9 only.")
    with transaction.atomic():
        check_in = _editable_check_in(appointment, by)
        response = getattr(check_in, instrument)
        if response is not None and response.is_completed:
            raise DosingError(f"The {response.definition.short_name} is already answered.")
        if response is None:
            response = QuestionnaireResponse(
                course=appointment.course,
                instrument=instrument,
                purpose=QuestionnaireResponse.Purpose.CHECK_IN,
                created_by=by,
            )
        response.save_answers(answers, complete=complete)
        setattr(check_in, instrument, response)
        check_in.save()
        source = f"Check-in {response.definition.short_name}"
        flag_urgent_answers(appointment.course, response.urgent_flags, source=source, by=by)
    return response


def complete_check_in(appointment, by):
    """Confirm the check-in once every answer is in; a possible pregnancy raises a flag."""
    with transaction.atomic():
        check_in = _editable_check_in(appointment, by)
        missing = check_in.missing()
        if missing:
            raise DosingError(f"Please answer: {', '.join(missing)}.")
        check_in.completed_at, check_in.completed_by = timezone.now(), by
        check_in.save()
        if check_in.possibly_pregnant == PregnancyStatus.YES:
            # domain reference §2: pregnancy is a relative contraindication; prescriber decides.
            SafetyFlag.raise_for(
                appointment.course,
                source="Check-in pregnancy",
                reason="The patient said they are or may be pregnant. Esketamine may cause "
                "fetal harm; a prescriber decides before any dose.",
                by=by,
            )
        audit(by, appointment.course, f"check-in {check_in.pk} completed", CHANGE)
    return check_in


def send_check_in(appointment, by):
    """The patient sends their check-in: it is completed and the appointment "Checked in".

    Refused, with the words to show, outside the check-in window or once the appointment is
    cancelled, missed or over.
    """
    refusal = check_in_refusal(appointment)
    if refusal:
        raise DosingError(refusal)
    with transaction.atomic():
        check_in = complete_check_in(appointment, by)
        mark_checked_in(appointment, by)
    return check_in


def override_gate(session, by, reason, *, request_key=None):
    """A prescriber writes why dosing may go ahead (sessions.gate_overrides.override_gate).

    `request_key` is the form's one-time key: the same form sent twice records one override.
    """
    return save_once(
        request_key,
        kind=GateOverride,
        record=session,
        by=by,
        write=lambda: gate_overrides.override_gate(session, by, reason),
    )


# --- Signing ------------------------------------------------------------------------------


def sign_session(session, by):
    """The prescriber signs the discharged session; from then on its record cannot change.

    The appointment becomes Completed in the same transaction.
    """
    require_staff(by, session.course, PRESCRIBER, "sign a dosing session", refusal=DosingError)
    with transaction.atomic():
        session = locked(session)
        if session.status != DosingSession.Status.DISCHARGED:
            raise DosingError(
                f"Only a discharged session can be signed; this one is "
                f"{session.get_status_display().lower()}."
            )
        open_alerts = session.alerts.unacknowledged().count()
        if open_alerts:
            raise DosingError(
                f"{open_alerts} in-session alert(s) still need acknowledging before signing."
            )
        signing.sign(session, by)
        rems_form.generate_for(session)
        booking.complete(session.appointment, by=by)
    return session


def add_addendum(session, by, text, *, request_key=None):
    """A correction or late entry by a clinician; the only way to add to a signed session."""
    return signing.add_addendum(session, by, text, roles=CLINICIANS, request_key=request_key)
