"""Phase 2 workflows: open a session, check in, dose, monitor, discharge, sign.

Views call these (monitoring, the gate and discharge live in their own modules and are
re-exported here). Each refuses with DosingError (a plain message to show as is) or, for a
value that is not valid, the model's ValidationError with field errors; each runs in one
transaction and writes the audit trail.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.mixins import require_patient_or_staff, require_staff
from kapclinic.clinic.models import Appointment, CourseState, Role, SafetyFlag
from kapclinic.clinic.submissions import save_once
from kapclinic.measures.models import QuestionnaireResponse

from . import booking, gate
from .booking import check_in_refusal, mark_checked_in, opening_refusal
from .discharge import discharge, discharge_criteria
from .dose_limits import past_session_maximum
from .gate import check_dose_passes_gate, evaluate_gate
from .locks import locked, locked_open
from .models import (
    Addendum,
    Administration,
    CheckIn,
    DosingError,
    DosingSession,
    GateOverride,
    PregnancyStatus,
    Thresholds,
)
from .models.session import CLINICIANS, DOSING_ROLES, PRESCRIBER, plain
from .monitoring_services import (
    acknowledge_alert,
    mark_entered_in_error,
    record_adverse_event,
    record_observation,
    record_vitals,
)
from .plan import PlanTerms, ceiling_refusal, plan_and_protocol, plan_departure

__all__ = [
    "acknowledge_alert",
    "add_addendum",
    "complete_check_in",
    "confirm_companion",
    "discharge",
    "discharge_criteria",
    "dose_for_request",
    "dose_range_problem",
    "evaluate_gate",
    "mark_entered_in_error",
    "open_session",
    "opening_refusal",
    "opening_refusal_for",
    "override_gate",
    "past_session_maximum",
    "record_adverse_event",
    "record_dose",
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
    """Baseline weight for mg/kg dosing (reference §3)."""
    require_staff(
        by, session.course, CLINICIANS, "record the patient's weight", refusal=DosingError
    )
    with transaction.atomic():
        session = locked_open(session)
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
        for flag in response.urgent_flags:
            SafetyFlag.raise_for(
                appointment.course,
                source=f"Check-in {response.definition.short_name}",
                reason=f"{flag['label']}. {flag['explanation']}",
                by=by,
                kind=SafetyFlag.kind_of(flag),
            )
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
    """A prescriber writes why dosing may go ahead (sessions.gate.override_gate).

    `request_key` is the form's one-time key: the same form sent twice records one override.
    """
    return save_once(
        request_key,
        kind=GateOverride,
        record=session,
        by=by,
        write=lambda: gate.override_gate(session, by, reason),
    )


# --- Dose ---------------------------------------------------------------------------------


class DoseAlreadyRecorded(DosingError):
    """This dose form was already sent and its dose recorded: nothing new was saved."""

    def __init__(self, dose):
        self.dose = dose
        given = timezone.localtime(dose.given_at, dose.session.course.clinic.tz)
        super().__init__(
            f"This dose was already recorded at {given:%H:%M} ({plain(dose.amount_mg)} mg, "
            f"by {dose.recorded_by}). Nothing new was saved. For a booster, use a new form."
        )


def dose_range_problem(session, dose):
    """Words saying how a dose departs from the plan in force, or '' (see sessions.plan)."""
    return plan_departure(session, dose)


def dose_weight(session, data):
    """The weight a dose is judged by: "Weight now" as typed, else the session's recorded one.

    With neither, say so beside "Weight now" rather than a bare "cannot be null".
    """
    weight = data.get("weight_kg") or session.weight_kg
    if weight in (None, ""):
        raise ValidationError(
            {
                "weight_kg": "No weight is recorded for this session yet: record it under "
                "Pre-dose checks, or type the weight now."
            }
        )
    return weight


def dose_for_request(session, request_key):
    """The dose already recorded from this dose form (its one-time key), or None."""
    if not request_key:
        return None
    return (
        session.administrations.select_related("recorded_by")
        .filter(request_key=request_key)
        .first()
    )


def record_dose(session, by, data):
    """Record one dose (a booster is a further call).

    Every dose, boosters too, passes the gate as things stand when it is given
    (gate.check_dose_passes_gate): refused while a check fails without a prescriber override
    that accepted the values failing now, and past the protocol's dose limits (count,
    interval, session maximum); past the protocol's hard ceiling for one dose, always; and
    away from the plan in force (route, product or amount) unless a prescriber records it
    with `out_of_range_reason`. The course's first dose starts treatment, which is a
    prescriber's step, so a nurse cannot record it while the course is still "Cleared".
    Data: product, route, amount_mg, lot_number, lot_expiry, witnessed_by; optional
    weight_kg (default: the session's), given_at (now), given_by (`by`), infusion_minutes
    (IV), device_count (intranasal), out_of_range_reason, request_key (the form's one-time
    key).

    The same form sent twice (double click, retry, two tabs) records one dose: requests are
    serialised by the session's row lock, and a key already used is refused with
    DoseAlreadyRecorded; the unique constraint on (session, request_key) backs this up.
    """
    provider = require_staff(by, session.course, DOSING_ROLES, "record a dose", refusal=DosingError)
    request_key = data.get("request_key")
    with transaction.atomic():
        session = locked_open(session)
        earlier = dose_for_request(session, request_key)
        if earlier is not None:
            raise DoseAlreadyRecorded(earlier)
        course = session.course
        course.refresh_from_db(fields=["state"])
        starts_treatment = course.state == CourseState.CLEARED
        if starts_treatment and provider.role != Role.PRESCRIBER:
            raise DosingError(
                "This is the course's first dose, which starts treatment: a prescriber must "
                "record it."
            )
        given_at = data.get("given_at") or timezone.now()
        amount = data.get("amount_mg")
        dose = Administration(
            session=session,
            product=data.get("product") or "",
            route=data.get("route") or "",
            amount_mg=None if amount in (None, "") else Decimal(str(amount)),
            weight_kg=dose_weight(session, data),
            infusion_minutes=data.get("infusion_minutes"),
            device_count=data.get("device_count"),
            lot_number=(data.get("lot_number") or "").strip(),
            lot_expiry=data.get("lot_expiry"),
            given_at=given_at,
            given_by=data.get("given_by") or by,
            witnessed_by=data.get("witnessed_by"),
            out_of_range_reason=(data.get("out_of_range_reason") or "").strip(),
            recorded_by=by,
            request_key=request_key,
        )
        dose.full_clean()
        require_staff(dose.given_by, course, DOSING_ROLES, "give a dose", refusal=DosingError)
        require_staff(dose.witnessed_by, course, CLINICIANS, "witness a dose", refusal=DosingError)
        check_dose_passes_gate(session, dose)
        problem = _judge_against_plan(session, dose, provider)
        dose.save()
        audit(by, session, f"dosing session {session.pk}: dose {dose.pk} recorded")
        if problem:
            audit(by, session, f"dose {dose.pk} outside the plan, prescriber's reason given")
        if starts_treatment:
            course.start_treatment(by)
    return dose


def _judge_against_plan(session, dose, provider):
    """Refuse a dose past the ceiling; let one away from the plan pass only with a
    prescriber's reason, kept on the dose. Returns the departure in words, or ''."""
    refusal = ceiling_refusal(session, dose)
    if refusal:
        raise DosingError(refusal)
    problem = plan_departure(session, dose)
    if not problem:
        dose.out_of_range_reason = ""
        return ""
    if provider.role != Role.PRESCRIBER:
        raise DosingError(f"{problem} Only a prescriber may give it, with a reason.")
    if not dose.out_of_range_reason:
        raise DosingError(f"{problem} To give it, confirm with a reason.")
    dose.outside_plan = problem
    dose._change_reason = f"{problem} Reason: {dose.out_of_range_reason}"
    return problem


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
        session.status = DosingSession.Status.SIGNED
        session.signed_by, session.signed_at = by, timezone.now()
        session.seal()
        session.save(update_fields=["status", "signed_by", "signed_at", "content_hash"])
        audit(by, session, f"dosing session {session.pk} signed", CHANGE)
        booking.complete(session.appointment, by=by)
    return session


def add_addendum(session, by, text, *, request_key=None):
    """A correction or late entry; the only way to add to a signed session.

    `request_key` is the form's one-time key: the same form sent twice adds one addendum.
    """
    require_staff(by, session.course, CLINICIANS, "add an addendum", refusal=DosingError)
    text = (text or "").strip()
    if not text:
        raise DosingError("Write the addendum's text.")

    def write():
        addendum = Addendum.objects.create(session=session, author=by, text=text)
        audit(by, session, f"dosing session {session.pk}: addendum {addendum.pk} added")
        return addendum

    return save_once(request_key, kind=Addendum, record=session, by=by, write=write)
