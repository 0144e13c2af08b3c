"""The suicide-risk workflow's writes: risk review, psychiatric review, safety plan, tasks.

Every writer (the pages, the admin, a shell) goes through these functions, so the rules hold
whoever calls: who may review (per clinic), the C-SSRS triage (reference §1.5), high risk
keeping dosing blocked until a prescriber's psychiatric review, a new safety-plan version per
change, and a follow-up task closed only with its outcome.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.instruments import IncompleteAnswers, InvalidAnswer
from kapclinic.instruments.cssrs_screen import CSSRS_SCREEN

from .access import provider_for
from .models import (
    FollowUpTask,
    JourneyError,
    Provider,
    PsychiatricReview,
    RiskDecision,
    RiskLevel,
    RiskReview,
    Role,
    SafetyFlag,
    SafetyPlan,
)
from .models.risk import SAFETY_PLAN_STEPS
from .statements import compiled
from .submissions import save_once


class RiskError(JourneyError):
    """A refused risk-workflow write; `field` names the form field the message belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# Decisions that stop dosing whatever the level: only a prescriber's review lifts them.
BLOCKING_DECISIONS = frozenset({RiskDecision.PAUSE_DOSING, RiskDecision.EMERGENCY})


def flag_urgent_answers(course, flags, *, source, by):
    """A safety flag at once for each urgent answer (PHQ-9 item 9, high risk on the C-SSRS
    screen), wherever a questionnaire is answered: at intake, check-in or follow-up.

    `flags`: the instrument's flag rules that fired, or their dicts as a response stores them.
    """
    for flag in flags:
        label, explanation = (
            (flag["label"], flag["explanation"])
            if isinstance(flag, dict)
            else (flag.label, flag.explanation)
        )
        SafetyFlag.raise_for(
            course,
            source=source,
            reason=f"{label}. {explanation}",
            by=by,
            kind=SafetyFlag.kind_of(flag),
        )


def may_review_risk(provider):
    """Prescribers and therapists with a licence on record; nurses only where the clinic
    allows it. Nobody else, whatever the clinic says."""
    if provider is None or not provider.active:
        return False
    if provider.role == Role.PRESCRIBER:
        return True
    if provider.role == Role.THERAPIST:
        return bool(provider.licence_number.strip())
    if provider.role == Role.NURSE:
        return provider.clinic.nurses_may_review_risk
    return False


def _reviewer(by, course, what):
    provider = provider_for(by)
    if provider is None or provider.clinic_id != course.clinic_id:
        raise RiskError(f"Only a clinician of this clinic may {what}.")
    return provider


def screen_instrument(clinic):
    """The C-SSRS screen in the clinic's licensed wording if it loaded one (reference §1.5:
    the wording is licensed, never shipped); the structure and triage are the same."""
    wording = clinic.cssrs_licensed_wording
    return CSSRS_SCREEN.with_licensed_text(wording) if wording else CSSRS_SCREEN


def risk_level(screen_answers):
    """The screener's triage (reference §1.5) from the clinician's answers; refuses answers
    the branching hides and questions left unanswered."""
    try:
        score = CSSRS_SCREEN.score(screen_answers)
    except (IncompleteAnswers, InvalidAnswer) as error:
        raise RiskError(str(error)) from error
    return RiskLevel(score.tier.key) if score.tier else RiskLevel.NONE


@dataclass(frozen=True)
class TaskRequest:
    owner: Provider
    description: str
    due_at: datetime.datetime | None = None


def default_due_at(clinic, now=None):
    """Same day: the end of today in the clinic's time zone."""
    today = timezone.localtime(now or timezone.now(), clinic.tz).date()
    return datetime.datetime.combine(today, datetime.time(23, 59), tzinfo=clinic.tz)


def review_risk_flag(
    flag,
    by,
    *,
    screen_answers,
    protective_factors,
    formulation,
    decision,
    safety_plan_made,
    task=None,
    request_key=None,
):
    """Resolve a suicide-risk flag with a structured review; returns the review.

    The review form sent twice (its one-time key) raises AlreadySaved with the first review."""
    course = flag.course
    provider = _reviewer(by, course, "review a suicide-risk flag")
    if not may_review_risk(provider):
        raise RiskError(
            "Your role may not resolve a suicide-risk flag at this clinic: ask a prescriber or "
            "a licensed therapist."
        )
    if not flag.is_suicide_risk:
        raise RiskError("This flag is not a suicide-risk flag: resolve it on the flag itself.")
    level = risk_level(screen_answers)
    protective_factors = (protective_factors or "").strip()
    formulation = (formulation or "").strip()
    if not protective_factors:
        raise RiskError("Record the protective factors.", "protective_factors")
    if not formulation:
        raise RiskError("Write the risk formulation.", "formulation")
    if decision not in RiskDecision.values:
        raise RiskError("Choose a decision.", "decision")
    if level == RiskLevel.HIGH and decision == RiskDecision.CONTINUE:
        raise RiskError(
            "High risk: dosing cannot continue before a prescriber's psychiatric review. "
            "Choose pause dosing, refer or emergency.",
            "decision",
        )
    if task is not None:
        _check_task(task, course)

    def write():
        # Only the flag's row (not the course joined in), and FOR NO KEY UPDATE: rows that
        # merely reference it or the course can still be written meanwhile. Locking the joined
        # course deadlocked against a safety plan holding the audit chain's lock.
        locked = (
            SafetyFlag.objects.select_for_update(of=("self",), no_key=True)
            .select_related("course")
            .get(pk=flag.pk)
        )
        if not locked.is_open:
            raise RiskError("This flag is already resolved.")
        review = RiskReview.objects.create(
            flag=locked,
            course=course,
            reviewed_by=by,
            screen_answers=screen_answers,
            risk_level=level,
            protective_factors=protective_factors,
            formulation=formulation,
            decision=decision,
            safety_plan_made=bool(safety_plan_made),
            needs_psychiatric_review=level == RiskLevel.HIGH or decision in BLOCKING_DECISIONS,
        )
        summary = (
            f"Risk review: {review.get_risk_level_display()}; "
            f"decision: {review.get_decision_display()}"
        )
        locked._close(by, summary)
        audit(by, course, f"risk review {review.pk} of safety flag {locked.pk}")
        if task is not None:
            create_follow_up_task(course, by, task, risk_review=review)
        if review.needs_psychiatric_review:
            _ask_for_psychiatric_review(review, by)
        return review

    with transaction.atomic():
        return save_once(request_key, kind=RiskReview, record=flag, by=by, write=write)


def _ask_for_psychiatric_review(review, by):
    """A same-day task for the course's prescriber (else the clinic's first), so the blocked
    course reaches a prescriber's day, digest and, if overdue, every prescriber."""
    course = review.course
    prescribers = Provider.objects.active().filter(clinic_id=course.clinic_id, role=Role.PRESCRIBER)
    owner = prescribers.filter(courses=course).first() or prescribers.order_by("pk").first()
    if owner is None:
        return None
    return FollowUpTask.objects.create(
        course=course,
        risk_review=review,
        owner=owner,
        description="Psychiatric review after a risk review that blocks dosing",
        for_psychiatric_review=True,
        due_at=default_due_at(course.clinic),
        created_by=by,
    )


def record_psychiatric_review(review, by, *, findings, dosing_may_resume, request_key=None):
    """A prescriber's psychiatric review after a high-risk outcome or a pause (its form sent
    twice raises AlreadySaved with the first)."""
    provider = _reviewer(by, review.course, "record a psychiatric review")
    if provider.role != Role.PRESCRIBER:
        raise RiskError("Only a prescriber may record the psychiatric review.")
    findings = (findings or "").strip()
    if not findings:
        raise RiskError("Write the findings of the psychiatric review.", "findings")
    if not review.needs_psychiatric_review:
        raise RiskError("This risk review does not need a psychiatric review.")

    def write():
        return PsychiatricReview.objects.create(
            risk_review=review,
            reviewed_by=by,
            findings=findings,
            dosing_may_resume=bool(dosing_may_resume),
        )

    with transaction.atomic():
        psychiatric = save_once(
            request_key, kind=PsychiatricReview, record=review, by=by, write=write
        )
        audit(by, review.course, f"psychiatric review {psychiatric.pk} of risk review {review.pk}")
        # The review asked for is done, whatever it decided: its task closes with it.
        review.tasks.filter(for_psychiatric_review=True, closed_at__isnull=True).update(
            closed_at=psychiatric.reviewed_at,
            closed_by=by,
            outcome=f"Psychiatric review recorded: dosing "
            f"{'may resume' if psychiatric.dosing_may_resume else 'stays paused'}.",
        )
    return psychiatric


def save_safety_plan(course, by, data, *, risk_review=None):
    """A new version of the patient's safety plan; the earlier versions are kept. The form sent
    twice (`data["request_key"]`) raises AlreadySaved instead of writing a second version."""
    provider = _reviewer(by, course, "write a safety plan")
    if not provider.is_clinician:
        raise RiskError("Only a clinician may write a safety plan with the patient.")
    texts = {name: (data.get(name) or "").strip() for name, _ in SAFETY_PLAN_STEPS}
    for name, label in SAFETY_PLAN_STEPS:
        if not texts[name]:
            raise RiskError(f"Fill in “{label}” with the patient.", name)
    if not data.get("written_with_patient"):
        raise RiskError(
            "A safety plan is written with the patient: confirm you did.", "written_with_patient"
        )

    def write():
        return _new_plan_version(course, by, texts, risk_review)

    with transaction.atomic():
        return save_once(
            data.get("request_key"), kind=SafetyPlan, record=course, by=by, write=write
        )


def _new_plan_version(course, by, texts, risk_review):
    """The next version number under a lock on the patient, so two clinicians saving at once
    get versions n and n + 1. FOR NO KEY UPDATE: a row that only references the patient (an
    audit row, a review) may still be written meanwhile; a plain FOR UPDATE deadlocked against
    a risk review holding the audit chain's lock (tests/clinic/test_risk_saved_once.py)."""
    patient = type(course.patient).objects.select_for_update(no_key=True).get(pk=course.patient_id)
    latest = SafetyPlan.objects.filter(patient=patient).order_by("-version").first()
    plan = SafetyPlan.objects.create(
        patient=patient,
        course=course,
        version=(latest.version + 1) if latest else 1,
        written_with_patient=True,
        written_by=by,
        risk_review=risk_review,
        **texts,
    )
    audit(by, patient, f"safety plan version {plan.version}")
    return plan


def _check_task(task, course):
    if task.owner is None or task.owner.clinic_id != course.clinic_id or not task.owner.active:
        raise RiskError("Choose an active clinician of this clinic.", "task_owner")
    if not task.owner.is_clinician:
        raise RiskError("A follow-up task goes to a clinician.", "task_owner")
    if not (task.description or "").strip():
        raise RiskError("Say what must be done.", "task_description")


def create_follow_up_task(course, by, task, *, risk_review=None):
    """A follow-up task for a clinician, due by default the same day."""
    _reviewer(by, course, "create a follow-up task")
    _check_task(task, course)
    follow_up = FollowUpTask.objects.create(
        course=course,
        risk_review=risk_review,
        owner=task.owner,
        description=task.description.strip(),
        due_at=task.due_at or default_due_at(course.clinic),
        created_by=by,
    )
    audit(by, course, f"follow-up task {follow_up.pk}")
    return follow_up


def close_follow_up_task(task, by, outcome):
    """Close a task; its outcome is required. Any clinician of the clinic may close it."""
    provider = _reviewer(by, task.course, "close a follow-up task")
    if not provider.is_clinician:
        raise RiskError("Only a clinician may close a follow-up task.")
    outcome = (outcome or "").strip()
    if not outcome:
        raise RiskError("Record the outcome before closing the task.", "outcome")
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update(no_key=True).get(pk=task.pk)
        if not task.is_open:
            raise RiskError("This task is already closed.")
        task.closed_at, task.closed_by, task.outcome = timezone.now(), by, outcome
        task.save(update_fields=["closed_at", "closed_by", "outcome"])
        audit(by, task.course, f"follow-up task {task.pk} closed", CHANGE)
    return task


def dosing_block(course, at=None):
    """The risk review that still blocks dosing on this course (at `at`), or None."""
    if at is None:  # every gate of a live session: its SQL (two subqueries) built once
        found = compiled("risk: dosing block", [course.pk], _blocking_now)
        return found[0] if found else None
    return (
        RiskReview.objects.filter(course=course)
        .awaiting_psychiatric_review(at)
        .order_by("-reviewed_at")
        .first()
    )


def _blocking_now(course_id):
    reviews = RiskReview.objects.filter(course_id=course_id).awaiting_psychiatric_review()
    return reviews.order_by("-reviewed_at")[:1]
