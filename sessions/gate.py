"""The pre-dose safety gate (reference §4.1): every check, in order, with the reason in words.

`evaluate_gate` only reads. Dosing waits while a check fails, unless a prescriber writes an
override for the checks that may be overridden (fasting, companion, baseline holds: a
benefit/risk decision, reference §4.1). Clearance, consent, safety flags, check-in, a
baseline reading, unacknowledged in-session alerts, the identity check with the patient's
verbal consent on the day and the protocol's dose limits cannot be overridden: they are
fixed by completing, resolving or acknowledging them, or by waiting.

Every dose is judged as things stand when it is given: a booster by the latest reading, the
alerts and flags open then, and the session's doses so far. An override accepts the exact
values that failed (the reading's id and numbers, the fasting times): a newer reading past
the holds re-opens the hold.
"""

from django.db.models import Q
from django.utils import timezone

from intake.consent import consent_status
from intake.models import ConsentKind, ConsentSignature
from intake.services import is_cleared
from kapclinic.clinic.models import BoosterLimits, Product, SafetyFlag
from kapclinic.clinic.risk import dosing_block
from kapclinic.clinic.statements import compiled
from kapclinic.rems import services as rems

from .dose_limits import limits_reason
from .gate_items import GateItem, duration
from .identity import identity_item
from .models import CheckIn, DosingSession
from .reevaluation import reevaluation_refusal


def first_dose_at(session, doses=None):
    """When the first dose was given, or None; from `doses` (in the order given) when the
    caller has read them already, as the session screen has."""
    if doses is None:
        return session.first_dose_at
    return doses[0].given_at if doses else None


def dose_time(session, at=None, doses=None):
    """The moment the gate is judged at. A closed session's checklist is the record of its
    first dose; while the session is open every dose, boosters too, is judged as things
    stand when it is given (`at`, or now)."""
    if session.status != DosingSession.Status.OPEN:
        return first_dose_at(session, doses) or at or timezone.now()
    return at or timezone.now()


def baseline_vitals(session, at=None, *, doses=None, readings=None):
    """The reading in force: the latest taken by the moment the gate is judged at (before a
    booster, the latest since the first dose, not the pre-dose baseline). `readings`: the
    session's readings in effect, in the order taken, when the caller has read them already."""
    when = dose_time(session, at, doses)
    if readings is None:
        return session.vitals.filter(taken_at__lte=when).order_by("-taken_at", "-pk").first()
    in_time = (r for r in readings if r.taken_at <= when)
    return max(in_time, key=lambda r: (r.taken_at, r.pk), default=None)


def evaluate_gate(
    session, at=None, *, doses=None, readings=None, alerts=None, identity=None, product=None
):
    """Every pre-dose check for this session, in the order they appear on the checklist.

    `doses`, `readings` (in effect), `alerts` (in time order) and `identity` (the session's
    identity checks, in the order recorded) save reading them again when the caller already holds
    them; `product`: the product of the dose about to be given."""
    when = dose_time(session, at, doses)
    # Once the patient is discharged the checklist is a record of the dose: a flag raised or a
    # consent version published afterwards must not turn a closed session's checks red. While
    # the session is open (a booster may follow) every check is judged as things stand now.
    closed = session.status != DosingSession.Status.OPEN
    if doses is None:
        doses = list(session.administrations.all())
    first_dose = first_dose_at(session, doses)
    given = first_dose if closed else None
    booster = bool(doses) and not closed
    check_in = next(iter(compiled("gate: check-in", [session.appointment_id], _check_in_of)), None)
    reading = baseline_vitals(session, at, doses=doses, readings=readings)
    items = [
        _clearance(session),
        *_reevaluation(session, doses),
        _consent(session, given),
        # Judged for the first dose: at its time (closed), or now while none is given; a
        # booster asks no new one (None).
        identity_item(session, closed, given if closed else None if doses else when, identity),
        _safety_flags(session, given),
        _check_in(check_in),
        # Fasting is about the stomach when dosing starts: judged at the first dose.
        _fasting(session, check_in, first_dose or when),
        _companion(session, check_in),
        _baseline_recorded(session, reading, booster, doses[-1].given_at if booster else None),
        _baseline_holds(session, reading, booster),
        _alerts(session, when if closed else None, alerts),
    ]
    items += _rems(session, doses, when, product)
    if booster:
        passed, reason = limits_reason(session, doses, when)
        items.append(GateItem("dose_limits", "Within the protocol's dose limits", passed, reason))
    return items


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
    if given is None:
        sources = compiled("gate: open flags", [session.course_id], _open_flag_sources)
    else:  # open at the time of the dose, whatever happened since
        flags = session.course.safety_flags.filter(raised_at__lte=given).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=given)
        )
        sources = list(flags.values_list("source", flat=True))
    if not sources:
        # reference §1.5: after a high-risk review, no dose until a prescriber's review.
        review = dosing_block(session.course, given)
        if review is not None:
            return GateItem(
                "safety_flags",
                label,
                False,
                f"The risk review of {review.reviewed_at:%d %b %Y} "
                f"({review.get_risk_level_display().lower()}, "
                f"{review.get_decision_display().lower()}) blocks dosing until a prescriber "
                "records a psychiatric review.",
            )
        when = "was open at the time of the dose" if given else "is open on this course"
        return GateItem("safety_flags", label, True, f"No safety flag {when}.")
    return GateItem(
        "safety_flags",
        label,
        False,
        f"Open safety flag ({'; '.join(sources)}): a clinician must resolve it before dosing.",
    )


def _check_in_of(appointment_id):
    return CheckIn.objects.filter(appointment_id=appointment_id).order_by("pk")[:1]


def _open_flag_sources(course_id):
    return SafetyFlag.objects.filter(course_id=course_id).open().values_list("source", flat=True)


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
    values = {
        "last_food_at": check_in.last_food_at.isoformat(),
        "last_drink_at": check_in.last_drink_at.isoformat(),
    }
    return GateItem("fasting", label, passed, reason, overridable=True, values=values)


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


def _reading_words(session, reading):
    taken = timezone.localtime(reading.taken_at, session.course.clinic.tz)
    return f"reading of {taken:%H:%M}"


def _baseline_recorded(session, reading, booster=False, last_dose_at=None):
    """Vitals and weight before the dose; before a booster, a reading taken since the last
    dose (reference §4.2: the BP rise peaks 30–40 min after a dose), not the baseline."""
    label = "Latest vitals and weight" if booster else "Baseline vitals and weight"
    missing = []
    if reading is None:
        missing.append("BP, heart rate and SpO2 before the dose")
    if session.weight_kg is None:
        missing.append("weight")
    if missing:
        return GateItem("baseline_vitals", label, False, f"Not yet recorded: {', '.join(missing)}.")
    if last_dose_at is not None and reading.taken_at < last_dose_at:
        last = timezone.localtime(last_dose_at, session.course.clinic.tz)
        return GateItem(
            "baseline_vitals",
            label,
            False,
            f"No reading since the dose at {last:%H:%M}: record BP, heart rate and SpO2 "
            "before the next.",
        )
    return GateItem(
        "baseline_vitals",
        label,
        True,
        f"BP {reading.systolic}/{reading.diastolic}, HR {reading.heart_rate}, "
        f"SpO2 {reading.spo2}%, weight {session.weight_kg} kg"
        + (f" ({_reading_words(session, reading)})." if booster else "."),
    )


VALUES = ("systolic", "diastolic", "heart_rate", "spo2")


def _reading_values(reading):
    """The reading an override of the holds accepts: its id and numbers (JSON-ready)."""
    return {
        "reading": reading.pk,
        "taken_at": reading.taken_at.isoformat(),
        **{name: getattr(reading, name) for name in VALUES},
    }


def _baseline_holds(session, reading, booster=False):
    thresholds = session.thresholds
    alert_limits = booster and thresholds.booster_limits == BoosterLimits.ALERT_LIMITS
    limits = "in-session alert limits" if alert_limits else "holds"
    label = (
        f"Latest reading within the protocol's {limits}"
        if booster
        else "Baseline within the protocol's holds"
    )
    if reading is None:
        return GateItem(
            "baseline_holds", label, False, "No baseline reading yet.", overridable=True
        )
    beyond = reading.beyond_alert_limits if alert_limits else reading.beyond_holds
    findings = beyond(thresholds)
    if findings:
        # domain reference §4.1: above the hold, delaying is a prescriber benefit/risk decision.
        reason = (
            f"{_reading_words(session, reading).capitalize()}: {'; '.join(findings)}. "
            "Recheck, or a prescriber may override."
        )
        values = _reading_values(reading)
        return GateItem("baseline_holds", label, False, reason, overridable=True, values=values)
    which = "latest reading" if booster else "baseline"
    return GateItem("baseline_holds", label, True, f"Every {which} value is within the {limits}.")


def _alerts(session, given=None, alerts=None):
    """No in-session alert waits for acknowledgement (at the first dose, for a closed session):
    a reading past the alert limits needs the attention of the clinician at the chair."""
    label = "No unacknowledged in-session alert"
    if alerts is None:
        alerts = list(session.alerts.all())
    if given is None:
        waiting = [alert for alert in alerts if alert.is_open]
    else:
        waiting = [
            alert
            for alert in alerts
            if alert.raised_at <= given
            and (alert.acknowledged_at is None or alert.acknowledged_at > given)
        ]
    if not waiting:
        return GateItem("alerts", label, True, "No in-session alert is waiting.")
    latest = max(waiting, key=lambda alert: (alert.raised_at, alert.pk))
    count = f"{len(waiting)} alerts wait" if len(waiting) > 1 else "An alert waits"
    return GateItem(
        "alerts",
        label,
        False,
        f"{count} for a clinician to acknowledge (latest: {latest.message})",
    )


def _reevaluation(session, doses):
    """Before a session's first dose, while it is open: a re-evaluation due refuses the dose
    (sessions.reevaluation), so the checklist says so before anyone draws it up. Not
    overridable; an item only while one is due, and none once the session is dosed (boosters
    are never refused by it)."""
    if doses or session.status != DosingSession.Status.OPEN:
        return []
    refusal = reevaluation_refusal(session)
    return [GateItem("reevaluation", "Re-evaluation due", False, refusal)] if refusal else []


def _rems(session, doses, when, product=None):
    """Spravato REMS (reference §3): esketamine only in a certified setting to an enrolled
    patient. Not overridable; judged on the day of the dose. No item for other products."""
    products = {(session.plan_snapshot or {}).get("product"), product}
    products.update(dose.product for dose in doses)
    if Product.ESKETAMINE not in products:
        return []
    clinic = session.course.clinic
    day = timezone.localdate(when, clinic.tz)
    refusal = rems.esketamine_refusal(clinic, session.course.patient_id, day)
    label = "Spravato REMS: certified clinic, enrolled patient"
    if refusal:
        return [GateItem("rems", label, False, refusal)]
    reason = "The clinic's REMS certification and the patient's REMS enrolment are on record."
    return [GateItem("rems", label, True, reason)]
