"""Recording a dose: every check in one transaction, the one writer every dose goes through.

The gate as things stand when the dose is given (sessions.gate), the protocol's dose limits
(sessions.dose_limits), its hard ceiling and the plan in force (sessions.plan). A value that
is not valid, or a dose away from the plan without a prescriber's reason, is a ValidationError
with the words beside the field; any other refusal is a DosingError to show as is.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import audit
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import CourseState, Role
from kapclinic.stock import services as stock

from .gate_overrides import check_dose_passes_gate
from .locks import locked_open
from .models import Administration, DosingError
from .models.session import CLINICIANS, DOSING_ROLES, plain
from .plan import ceiling_refusal, plan_departure
from .reevaluation import reevaluation_refusal


class DoseAlreadyRecorded(DosingError):
    """This dose form was already sent and its dose recorded: nothing new was saved."""

    def __init__(self, dose):
        self.dose = dose
        given = timezone.localtime(dose.given_at, dose.session.course.clinic.tz)
        super().__init__(
            f"This dose was already recorded at {given:%H:%M} ({plain(dose.amount_mg)} mg, "
            f"by {dose.recorded_by}). Nothing new was saved. For a booster, use a new form."
        )


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


def check_weight_is_the_recorded_one(session, dose):
    """Every limit reads the one weight the checklist shows: a different figure typed at the
    dose (a pound figure as kg passes the 30–300 kg check) is refused beside "Weight now"."""
    recorded = session.weight_kg
    if recorded is not None and Decimal(dose.weight_kg) != recorded:
        raise ValidationError(
            {
                "weight_kg": f"The weight recorded for this session is {plain(recorded)} kg, "
                f"not {plain(dose.weight_kg)} kg. If the patient weighs otherwise today, "
                "record it under Pre-dose checks first (the checklist and every limit read "
                "that weight); otherwise leave this blank."
            }
        )


def dose_for_request(session, request_key):
    """The dose already recorded from this dose form (its one-time key), or None."""
    if not request_key:
        return None
    # A dose since marked entered in error was still recorded from this form.
    return (
        Administration.entries.select_related("recorded_by")
        .filter(session=session, request_key=request_key)
        .first()
    )


def record_dose(session, by, data):
    """Record one dose (a booster is a further call).

    Every dose, boosters too, passes the gate as things stand when it is given
    (gate_overrides.check_dose_passes_gate): refused while a check fails without a prescriber
    override that accepted the values failing now, and past the protocol's dose limits (count,
    interval, session maximum); past the protocol's hard ceiling for one dose, always; and
    away from the plan in force (route, product or amount) unless a prescriber records it
    with `out_of_range_reason`. The course's first dose starts treatment, which is a
    prescriber's step, so a nurse cannot record it while the course is still "Cleared".
    Data: product, route, amount_mg, lot_number, lot_expiry, witnessed_by; optional
    weight_kg (default: the session's), given_at (now), given_by (`by`), infusion_minutes
    (IV), device_count (intranasal), out_of_range_reason, request_key (the form's one-time
    key); stock_lot (the Balance drawn from, where the clinic keeps the controlled-substance
    register: lot number and expiry then come from that lot, and not enough stock is refused
    beside it).

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
        beyond_plan = reevaluation_refusal(session)
        if beyond_plan:
            raise DosingError(beyond_plan)
        if starts_treatment and provider.role != Role.PRESCRIBER:
            raise DosingError(
                "This is the course's first dose, which starts treatment: a prescriber must "
                "record it."
            )
        given_at = data.get("given_at") or timezone.now()
        # Where the clinic keeps the controlled-substance register the dose draws from a lot.
        source = stock.dose_source(course.clinic, data.get("stock_lot"), given_at)
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
        if source is not None:
            dose.lot_number, dose.lot_expiry = source.lot.lot_number, source.lot.expiry
        dose.full_clean()
        check_weight_is_the_recorded_one(session, dose)
        require_staff(dose.given_by, course, DOSING_ROLES, "give a dose", refusal=DosingError)
        require_staff(dose.witnessed_by, course, CLINICIANS, "witness a dose", refusal=DosingError)
        check_dose_passes_gate(session, dose)
        problem = _judge_against_plan(session, dose, provider)
        if source is not None:
            dose.stock_entry = stock.draw_for_dose(source, dose)
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
        # Beside the reason box, where the prescriber confirms it.
        raise ValidationError(
            {"out_of_range_reason": f"{problem} To give it, confirm with a reason here."}
        )
    dose.outside_plan = problem
    dose._change_reason = f"{problem} Reason: {dose.out_of_range_reason}"
    return problem
