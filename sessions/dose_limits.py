"""The protocol's limits on one session's doses: how many, how far apart, how much in all.

Reference §3: a session may hold a first dose and boosters (separate administrations). The
values are the protocol's, frozen in the session's thresholds. `record_dose` refuses a dose
past any of them with the reason beside the field; the pre-dose checklist shows where the
session stands once a first dose is given. No override or reason passes these limits: they
change only by the medical director changing the protocol.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .models.session import plain


def _clock(value, tz):
    return f"{timezone.localtime(value, tz):%H:%M}"


def too_close(thresholds, doses, when):
    """The dose given less than the protocol's interval from `when`, or None."""
    gap = timedelta(minutes=thresholds.min_minutes_between_doses)
    near = [dose for dose in doses if abs(when - dose.given_at) < gap]
    return min(near, key=lambda dose: abs(when - dose.given_at), default=None)


def session_total(thresholds, doses, amount_mg, weight_kg):
    """(value in the protocol's unit, words) for the session's doses plus this amount."""
    total = sum((d.amount_mg for d in doses), Decimal(0)) + Decimal(amount_mg)
    if thresholds.dose_unit == "mg/kg":
        value = (total / Decimal(weight_kg)).quantize(Decimal("0.001"))
        return value, f"{value} mg/kg ({plain(total)} mg for {plain(weight_kg)} kg)"
    return total, f"{plain(total)} mg"


def dose_limit_errors(session, dose, doses):
    """Field errors for a dose past the session's limits: {field: words}, empty when within.

    `doses`: the session's doses already recorded."""
    thresholds, tz = session.thresholds, session.course.clinic.tz
    errors = {}
    if len(doses) >= thresholds.max_doses_per_session:
        errors["__all__"] = (
            f"{len(doses)} of {thresholds.max_doses_per_session} doses are given: the "
            "protocol allows no further dose in this session."
        )
    near = too_close(thresholds, doses, dose.given_at) if dose.given_at else None
    if near is not None:
        apart = round(abs(dose.given_at - near.given_at).total_seconds() / 60)
        errors["given_at"] = (
            f"The protocol needs at least {thresholds.min_minutes_between_doses} min between "
            f"doses: the dose at {_clock(near.given_at, tz)} is {apart} min from this one."
        )
    ceiling = thresholds.max_session_total
    if ceiling is not None and dose.amount_mg and dose.weight_kg:
        value, shown = session_total(thresholds, doses, dose.amount_mg, dose.weight_kg)
        if value > ceiling:
            unit = "mg/kg" if thresholds.dose_unit == "mg/kg" else "mg"
            what = "With this dose the session total would be" if doses else "This dose is"
            errors["amount_mg"] = (
                f"{what} {shown}, past the protocol's maximum of {plain(ceiling)} {unit} a "
                "session. No reason or override allows more."
            )
    return errors


def limits_reason(session, doses, when):
    """(passed, words) for the checklist once a first dose is given: count and interval."""
    thresholds, tz = session.thresholds, session.course.clinic.tz
    count, most = len(doses), thresholds.max_doses_per_session
    if count >= most:
        return False, f"{count} of {most} doses given: the protocol allows no further dose."
    last = max(doses, key=lambda dose: dose.given_at)
    ready_at = last.given_at + timedelta(minutes=thresholds.min_minutes_between_doses)
    given = f"{count} of {most} doses given"
    if when < ready_at:
        return False, (
            f"{given}; the next may be given from {_clock(ready_at, tz)} "
            f"({thresholds.min_minutes_between_doses} min after the last)."
        )
    return True, f"{given}; {thresholds.min_minutes_between_doses} min since the last have passed."
