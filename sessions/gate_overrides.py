"""Overrides and the check every dose passes (reference §4.1).

A prescriber's override accepts the exact values failing when it was written (a reading, the
fasting times): `covering_override` finds the one that still covers what fails now, and
`check_dose_passes_gate` is what `record_dose` calls for every dose, boosters too. The
checks themselves are in `sessions.gate`.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.text_limits import required_text

from .dose_limits import dose_limit_errors
from .gate import evaluate_gate, failing
from .locks import locked_open
from .models import DosingError, GateOverride
from .models.session import PRESCRIBER


def covering_override(session, items, overrides=None):
    """The prescriber override that accepted every failing check with the values failing now,
    or None (`overrides`: the session's, newest first, when the caller has read them already).

    An override accepts a reading, not a check: a newer reading past the holds re-opens the
    hold until a prescriber overrides again."""
    failed = failing(items)
    if not failed:
        return None
    if any(not item.overridable for item in failed):
        return None
    for override in session.overrides.all() if overrides is None else overrides:
        if all(override.accepts(item.key, item.values) for item in failed):
            return override
    return None


def check_dose_passes_gate(session, dose):
    """Refuse `dose` unless it passes the gate at its time: the protocol's dose limits (field
    errors), then every pre-dose check, judged as things stand then (DosingError)."""
    doses = list(session.administrations.all())
    errors = dose_limit_errors(session, dose, doses)
    if errors:
        raise ValidationError(errors)
    items = evaluate_gate(session, at=dose.given_at, doses=doses, product=dose.product)
    failed = failing(items)
    if failed and covering_override(session, items) is None:
        reasons = " ".join(f"{item.label}: {item.reason}" for item in failed)
        raise DosingError(f"Dosing is on hold. {reasons}")


def override_gate(session, by, reason):
    """A prescriber writes why dosing may go ahead although the overridable checks fail."""
    require_staff(
        by, session.course, PRESCRIBER, "override the pre-dose checks", refusal=DosingError
    )
    reason = required_text(
        reason, DosingError, "Write the reason for overriding the pre-dose checks."
    )
    with transaction.atomic():
        session = locked_open(session, "This session is closed: no more doses can be given.")
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
