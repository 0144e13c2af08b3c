"""The treatment plan in force, and its signed revisions.

A plan is signed with the clearance decision (version 1) and changes only when a prescriber
signs a revision with a reason; earlier versions stay. Dosing asks `plan_in_force` which
version applies when a session opens.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import audit
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import CourseState, JourneyError, Role
from kapclinic.clinic.submissions import save_once

from .models import PlanRevision, TreatmentPlan

PLAN_TERMS = (
    "route",
    "product",
    "dose_min_mg",
    "dose_max_mg",
    "planned_dosing_sessions",
    "integration_cadence",
    "goals",
)


def plan_in_force(course, at=None):
    """The plan version that applies to this course at `at` (now), or None if unplanned."""
    plan = TreatmentPlan.objects.filter(course=course).select_related("decision").first()
    return plan.in_force(at) if plan else None


def revise_plan(course, by, data, reason, *, request_key=None, reevaluated=False):
    """A prescriber of the clinic signs a new version of the course's plan, with a reason.

    `data` holds any of the plan's terms; those left out carry over from the version in
    force. More dosing sessions during treatment or maintenance only with `reevaluated`
    (integration.reevaluation signs them with the outcome so far). Raises JourneyError when
    refused, ValidationError for a value that is not valid, AlreadySaved when the same form
    (its one-time key) was sent before.
    """
    require_staff(by, course, {Role.PRESCRIBER}, "revise a treatment plan")
    if not course.is_open:
        raise JourneyError("This course is closed: its plan can no longer change.")
    with transaction.atomic():
        return save_once(
            request_key,
            kind=PlanRevision,
            record=course,
            by=by,
            write=lambda: _sign_revision(course, by, data, reason, reevaluated),
        )


def _sign_revision(course, by, data, reason, reevaluated):
    """The next version under a lock on the plan, so two prescribers signing at once get n + 1
    and n + 2, never the same number."""
    plan = TreatmentPlan.objects.select_for_update(no_key=True).filter(course=course).first()
    if plan is None:
        raise JourneyError("This course has no treatment plan yet: clear it with a plan.")
    current = plan.in_force()
    terms = {name: data.get(name, getattr(current, name)) for name in PLAN_TERMS}
    for name in ("dose_min_mg", "dose_max_mg"):
        terms[name] = _decimal(terms[name], name)
    if not reevaluated and course.state in BLOCK_STATES:
        _refuse_more_sessions(terms["planned_dosing_sessions"], current.planned_dosing_sessions)
    revision = PlanRevision(
        plan=plan,
        version=current.version + 1,
        reason=(reason or "").strip(),
        signed_by=by,
        signed_at=timezone.now(),
        **terms,
    )
    revision.full_clean()
    revision.save()
    audit(by, course, f"treatment plan revised to version {revision.version}")
    return revision


# reference §3: benefit is evaluated at the end of a block before dosing goes on.
BLOCK_STATES = (CourseState.IN_TREATMENT, CourseState.MAINTENANCE)


def _refuse_more_sessions(asked, planned):
    """A block grows only by a re-evaluation, so the dose refused after its last session
    (sessions.reevaluation) is never lifted without the outcome so far on record."""
    try:
        more = int(asked) > planned
    except (TypeError, ValueError):
        return  # full_clean names the value that is not a number
    if more:
        raise ValidationError(
            {
                "planned_dosing_sessions": f"More than the {planned} planned sessions is a "
                "re-evaluation's decision: sign a re-evaluation (the outcome so far, a "
                "decision and the new plan) instead."
            }
        )


def _decimal(value, field):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter a number."}) from None
