"""The pre-dose safety gate (reference §4.1): every check, in order, with the reason in words.

`evaluate_gate` only reads. Dosing waits while a check fails, unless a prescriber writes an
override for the checks that may be overridden (fasting, companion, baseline holds: a
benefit/risk decision, reference §4.1). Clearance, consent, safety flags, check-in and a
baseline reading cannot be overridden: they are fixed by completing or resolving them.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake.consent import consent_status
from intake.models import ConsentKind, ConsentSignature
from intake.services import is_cleared
from kapclinic.audit.models import AccessEvent

from .models import CheckIn, DosingError, DosingSession, GateOverride
from .permissions import PRESCRIBER, require_staff


@dataclass(frozen=True)
class GateItem:
    key: str
    label: str
    passed: bool
    reason: str
    overridable: bool = False

    def as_record(self):
        return {"key": self.key, "label": self.label, "reason": self.reason}


def duration(minutes):
    """Minutes in words a clinician reads at a glance: "2 h 5 min", "45 min"."""
    minutes = int(minutes)
    hours, rest = divmod(abs(minutes), 60)
    text = f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"
    return f"-{text}" if minutes < 0 else text


def first_dose_at(session, doses=None):
    """When the first dose was given, or None; from `doses` (in the order given) when the
    caller has read them already, as the session screen has."""
    if doses is None:
        return session.first_dose_at
    return doses[0].given_at if doses else None


def dose_time(session, at=None, doses=None):
    """The moment the gate is judged at: the first dose once given, else `at` or now."""
    return first_dose_at(session, doses) or at or timezone.now()


def baseline_vitals(session, at=None, *, doses=None, readings=None):
    """The latest reading taken before the (first) dose; `readings`: the session's readings
    in effect, in the order taken, when the caller has read them already."""
    when = dose_time(session, at, doses)
    if readings is None:
        return session.vitals.filter(taken_at__lte=when).order_by("-taken_at").first()
    return max((r for r in readings if r.taken_at <= when), key=lambda r: r.taken_at, default=None)


def evaluate_gate(session, at=None, *, doses=None, readings=None):
    """Every pre-dose check for this session, in the order they appear on the checklist.

    `doses` and `readings` (in effect), in time order, save reading them again when the
    caller already holds them."""
    when = dose_time(session, at, doses)
    # Once the patient is discharged the checklist is a record of the dose: a flag raised or a
    # consent version published afterwards must not turn a closed session's checks red. While
    # the session is open (a booster may follow) every check is judged as things stand now.
    closed = session.status != DosingSession.Status.OPEN
    given = first_dose_at(session, doses) if closed else None
    check_in = CheckIn.objects.filter(appointment_id=session.appointment_id).first()
    baseline = baseline_vitals(session, at, doses=doses, readings=readings)
    return [
        _clearance(session),
        _consent(session, given),
        _safety_flags(session, given),
        _check_in(check_in),
        _fasting(session, check_in, when),
        _companion(session, check_in),
        _baseline_recorded(session, baseline),
        _baseline_holds(session, baseline),
    ]


def failing(items):
    return [item for item in items if not item.passed]


def _clearance(session):
    course = session.course
    if is_cleared(course):
        return GateItem(
            "clearance", "Cleared for treatment", True, "A prescriber cleared this course."
        )
    return GateItem(
        "clearance",
        "Cleared for treatment",
        False,
        f"The course is “{course.get_state_display()}”: a prescriber has not cleared it "
        "for treatment.",
    )


def _consent(session, given=None):
    label = "Consent signed (current version)"
    if given is not None:
        signed = ConsentSignature.objects.filter(course_id=session.course_id, signed_at__lte=given)
        signature = signed.select_related("document").order_by("-signed_at").first()
        if signature is not None:
            return GateItem(
                "consent",
                label,
                True,
                f"The patient had signed version {signature.document.version} before the dose.",
            )
    rows = consent_status(session.course)  # the same read as the patient's home page
    if not any(row.document.kind == ConsentKind.TREATMENT for row in rows):
        return GateItem("consent", label, False, "The clinic has no current consent form.")
    due = [row for row in rows if row.due]
    if due:
        return GateItem("consent", label, False, " ".join(row.reason() for row in due))
    versions = ", ".join(f"{row.document.title} v{row.document.version}" for row in rows)
    return GateItem("consent", label, True, f"The patient signed {versions}.")


def _safety_flags(session, given=None):
    label = "No open safety flag"
    flags = session.course.safety_flags.open()
    if given is not None:  # open at the time of the dose, whatever happened since
        flags = session.course.safety_flags.filter(raised_at__lte=given).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=given)
        )
    sources = list(flags.values_list("source", flat=True))
    if not sources:
        when = "was open at the time of the dose" if given else "is open on this course"
        return GateItem("safety_flags", label, True, f"No safety flag {when}.")
    return GateItem(
        "safety_flags",
        label,
        False,
        f"Open safety flag ({'; '.join(sources)}): a clinician must resolve it before dosing.",
    )


def _check_in(check_in):
    label = "Check-in complete"
    if check_in is None:
        return GateItem("check_in", label, False, "The patient has not started the check-in.")
    if check_in.is_complete:
        return GateItem("check_in", label, True, "The patient completed the day-of check-in.")
    missing = ", ".join(check_in.missing()) or "confirmation"
    return GateItem("check_in", label, False, f"The check-in still needs: {missing}.")


def _fasting(session, check_in, when):
    label = "Fasting"
    protocol = session.thresholds
    if check_in is None or check_in.last_food_at is None or check_in.last_drink_at is None:
        return GateItem(
            "fasting", label, False, "Fasting times were not given at check-in.", overridable=True
        )
    food = (when - check_in.last_food_at).total_seconds() / 60
    drink = (when - check_in.last_drink_at).total_seconds() / 60
    # domain reference §4.1: Spravato 2 h food / 30 min liquids; IV clinics 6 h / 2 h.
    food_needed, drink_needed = protocol.fasting_food_minutes, protocol.fasting_liquid_minutes
    reason = (
        f"Last food {duration(food)} before the dose (needs {duration(food_needed)}); "
        f"last drink {duration(drink)} before (needs {duration(drink_needed)})."
    )
    passed = food >= food_needed and drink >= drink_needed
    return GateItem("fasting", label, passed, reason, overridable=True)


def _companion(session, check_in):
    label = "Companion to take the patient home"
    if session.companion_confirmed:
        return GateItem("companion", label, True, "Staff confirmed a responsible adult.")
    named = (
        f" The check-in names {check_in.companion_name} ({check_in.companion_phone})."
        if check_in and check_in.companion_name
        else ""
    )
    return GateItem(
        "companion",
        label,
        False,
        "No one has confirmed a responsible adult will take the patient home "
        f"(no driving until the next day).{named}",
        overridable=True,
    )


def _baseline_recorded(session, baseline):
    label = "Baseline vitals and weight"
    missing = []
    if baseline is None:
        missing.append("BP, heart rate and SpO2 before the dose")
    if session.weight_kg is None:
        missing.append("weight")
    if missing:
        return GateItem("baseline_vitals", label, False, f"Not yet recorded: {', '.join(missing)}.")
    return GateItem(
        "baseline_vitals",
        label,
        True,
        f"BP {baseline.systolic}/{baseline.diastolic}, HR {baseline.heart_rate}, "
        f"SpO2 {baseline.spo2}%, weight {session.weight_kg} kg.",
    )


def _baseline_holds(session, baseline):
    label = "Baseline within the protocol's holds"
    if baseline is None:
        return GateItem(
            "baseline_holds", label, False, "No baseline reading yet.", overridable=True
        )
    findings = baseline.beyond_holds(session.thresholds)
    if findings:
        # domain reference §4.1: above the hold, delaying is a prescriber benefit/risk decision.
        reason = "; ".join(findings) + ". Recheck, or a prescriber may override."
        return GateItem("baseline_holds", label, False, reason, overridable=True)
    return GateItem("baseline_holds", label, True, "Every baseline value is within the holds.")


def covering_override(session, items, overrides=None):
    """The prescriber override that covers every failing check, or None (`overrides`: the
    session's, newest first, when the caller has read them already)."""
    failed = failing(items)
    if not failed:
        return None
    if any(not item.overridable for item in failed):
        return None
    keys = {item.key for item in failed}
    for override in session.overrides.all() if overrides is None else overrides:
        if keys <= override.failed_keys:
            return override
    return None


def override_gate(session, by, reason):
    """A prescriber writes why dosing may go ahead although the overridable checks fail."""
    require_staff(by, session.course, PRESCRIBER, "override the pre-dose checks")
    reason = (reason or "").strip()
    if not reason:
        raise DosingError("Write the reason for overriding the pre-dose checks.")
    with transaction.atomic():
        session = DosingSession.objects.select_for_update().get(pk=session.pk)
        if not session.is_open:
            raise DosingError("This session is closed: no more doses can be given.")
        failed = failing(evaluate_gate(session))
        if not failed:
            raise DosingError("Every pre-dose check passes: there is nothing to override.")
        fixed = [item for item in failed if not item.overridable]
        if fixed:
            words = "; ".join(f"{item.label}: {item.reason}" for item in fixed)
            raise DosingError(f"These checks cannot be overridden, only fixed — {words}")
        override = GateOverride(
            session=session,
            by=by,
            reason=reason,
            failed_items=[item.as_record() for item in failed],
        )
        override._change_reason = f"Pre-dose checks overridden: {reason}"
        override.save()
        AccessEvent.record(
            actor=by,
            patient_id=session.course.patient_id,
            action=AccessEvent.Action.CHANGE,
            what=(
                f"dosing session {session.pk}: pre-dose checks overridden "
                f"({', '.join(item.key for item in failed)})"
            ),
        )
    return override
