"""The re-evaluation before a new block of dosing: outcome so far, decision, new signed plan.

One service every writer calls: it computes the outcome so far by the outcome page's own
rules (integration.selectors.course_outcomes), signs the new plan revision (intake.plans) and
moves the course (TreatmentCourse.reevaluate, prescribers only), in one transaction. Stopping
signs no plan: the course moves to integration; from there a re-evaluation resumes dosing.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from intake.plans import PLAN_TERMS, plan_in_force, revise_plan
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import (
    CourseState,
    JourneyError,
    Protocol,
    Reevaluation,
    ReevaluationDecision,
    Role,
)
from kapclinic.clinic.text_limits import required_text
from sessions.reevaluation import block_of

from .selectors import course_outcomes

Decision = ReevaluationDecision


def outcome_lines(outcomes):
    """The outcome so far in words, one line per instrument, as kept on the record."""
    lines = []
    for outcome in outcomes:
        if not outcome.computable:
            lines.append(f"{outcome.short_name}: {outcome.reason}")
            continue
        judged = "; ".join(
            str(j).split(" — ")[0] if j.computable or j.not_applicable else str(j)
            for j in (outcome.response, outcome.remission, outcome.reliable_improvement)
        )
        lines.append(
            f"{outcome.short_name}: {outcome.baseline.total} → {outcome.latest.total}; {judged}"
        )
    return "\n".join(lines)


def suggested_plan(course, decision, protocol=None):
    """The new plan's terms to start from: the version in force, with the protocol's number
    of sessions for the block chosen (maintenance or a repeated induction)."""
    protocol = protocol or Protocol.objects.effective_for(course.clinic)
    current = plan_in_force(course)
    terms = {name: getattr(current, name) for name in PLAN_TERMS} if current else {}
    if protocol is not None:
        terms["planned_dosing_sessions"] = (
            protocol.maintenance_sessions
            if decision == Decision.MAINTENANCE
            else protocol.planned_dosing_sessions
        )
    return terms


def _refuse_a_repeat(course, block, decision, terms):
    """The same decision and plan again with no session since (Back and sign again, a second
    tab) would sign a second identical record and plan version: refused in words."""
    last = block.last
    if last is None or block.done or last.decision != decision:
        return
    if course.state == CourseState.INTEGRATION:
        return  # moved there since: resuming is a new decision, stopping the course's refusal
    current = plan_in_force(course)
    if not all(_same(value, getattr(current, name)) for name, value in terms.items()):
        return
    when = timezone.localtime(last.decided_at, course.clinic.tz)
    raise JourneyError(
        f"This course was re-evaluated on {when:%-d %b %Y, %H:%M} with the same decision and "
        "plan, and no dosing session has been given since: nothing new to sign."
    )


def _same(value, kept):
    """A term as sent equals the plan's (100 and 100.00 mg alike)."""
    if str(value).strip() == str(kept):
        return True
    try:
        return Decimal(str(value)) == Decimal(str(kept))
    except (InvalidOperation, ValueError):
        return False


def with_moves(records, events):
    """`records` (re-evaluations), each given `move_words`: the stage the course was in when it
    was signed ("from In treatment"; "from Integration: dosing resumed"), matched to the
    course's `events` by time (the move and the record share it). The page and the course
    summary read them alike."""
    moves = {event.at: event.from_state for event in events}
    records = list(records)
    for record in records:
        source = moves.get(record.decided_at)
        words = f"from {CourseState(source).label}" if source else ""
        if source == CourseState.INTEGRATION:
            words += ": dosing resumed"
        record.move_words = words
    return records


def latest_pk(records):
    """The id of the newest of `records` (0 when there are none), as the page carries it."""
    return max((record.pk for record in records), default=0)


def _refuse_if_signed_meanwhile(course, last_seen):
    """A decision made on a page drawn before another re-evaluation was signed (a second
    tab, a colleague) is not signed over it: the prescriber reads that one first."""
    if last_seen is None:
        return
    newer = (
        Reevaluation.objects.filter(course=course, pk__gt=last_seen)
        .select_related("decided_by")
        .order_by("-pk")
        .first()
    )
    if newer is not None:
        when = timezone.localtime(newer.decided_at, course.clinic.tz)
        raise JourneyError(
            f"{newer.decided_by.get_full_name() or newer.decided_by.email} signed a "
            f"re-evaluation ({newer.get_decision_display().lower()}) on "
            f"{when:%-d %b %Y, %H:%M}, since you opened this page. Reload it to read that "
            "decision, then sign again if a new one is still needed."
        )


def record_reevaluation(
    course,
    by,
    decision,
    rationale,
    terms=None,
    *,
    screen=None,
    last_seen=None,
    request_key=None,
):
    """A prescriber re-evaluates the course; returns the signed Reevaluation.

    `terms`: the new plan's terms (any of PLAN_TERMS; the rest carry over), signed as a plan
    revision unless the decision is to stop. `screen`: the long-term safety answers
    (LONG_TERM_SCREEN and safety_findings), required before more dosing. `last_seen`: the
    newest re-evaluation the page showed (0: none); a newer one refuses. Raises JourneyError
    when refused, ValidationError for a term or an answer that is not valid, AlreadySaved for a
    form sent twice.
    """
    require_staff(by, course, {Role.PRESCRIBER}, "re-evaluate a course")
    if decision not in Decision.values:
        raise JourneyError("Choose a decision: maintenance, repeat induction or stop.")
    rationale = required_text(rationale, JourneyError, "A rationale is required.")
    screen = screen or {}
    # Checked before the plan is revised, so a refusal signs nothing; the record checks again.
    Reevaluation(course=course, decision=decision, **screen).check_long_term_screen()
    with transaction.atomic():
        # One re-evaluation at a time per course: the second waits, then sees the first.
        type(course).objects.select_for_update(no_key=True).filter(pk=course.pk).first()
        course.refresh_from_db(fields=["state"])
        _refuse_if_signed_meanwhile(course, last_seen)
        block = block_of(course)
        _refuse_a_repeat(course, block, decision, terms or {})
        summary = outcome_lines(course_outcomes(course))
        plan_version = None
        if decision != Decision.STOP:
            label = Decision(decision).label
            revision = revise_plan(
                course,
                by,
                terms or {},
                f"Re-evaluation: {label.lower()}. {rationale}",
                request_key=request_key,
                reevaluated=True,
            )
            plan_version = revision.version
        sessions_before = block.done + (block.last.sessions_before if block.last else 0)
        return course.reevaluate(
            by,
            decision,
            rationale,
            outcome_so_far=summary,
            sessions_before=sessions_before,
            plan_version=plan_version,
            screen=screen,
        )
