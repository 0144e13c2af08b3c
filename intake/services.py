"""Phase 1 workflows: save a step, submit, decide. Views call these (inviting: invitations.py)."""

import datetime
import decimal
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from kapclinic.clinic.models import (
    CourseState,
    JourneyError,
    Protocol,
    SafetyFlag,
)
from kapclinic.clinic.risk import flag_urgent_answers
from kapclinic.instruments import get_instrument
from kapclinic.measures.models import QuestionnaireResponse

from . import rules
from .consent import INTAKE_STATEMENT, record_signature
from .decision_rules import DecisionRefused, check_decision, fields_for_outcome
from .eligibility import date_of_birth_refusal
from .models import (
    ConsentDocument,
    ConsentKind,
    IntakeRecord,
    IntakeSubmission,
    RuleHit,
    SuitabilityDecision,
    TreatmentPlan,
)
from .plans import PLAN_TERMS
from .rule_facts import DEFAULT_THRESHOLDS, IntakeFacts
from .rule_table import RULESET_VERSION, SUICIDE_RISK_RULES
from .steps import SAFETY_SCREEN, STEP_BY_KEY, steps_for

log = logging.getLogger(__name__)

PATIENT_FIELDS_FROM_ABOUT = (
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "phone",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
)


def about_on_file(patient):
    """What the clinic already has of the "About you" answers (the preferred name it entered
    when inviting, say), so the patient starts from it rather than from a blank page."""
    return {
        name: value
        for name in PATIENT_FIELDS_FROM_ABOUT
        if (value := getattr(patient, name)) not in ("", None)
    }


# --- The wizard ---------------------------------------------------------------------------


def intake_record(course):
    record, _ = IntakeRecord.objects.get_or_create(course=course)
    return record


def _json_safe(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def editable(course):
    return course.state in {CourseState.INTAKE_IN_PROGRESS, CourseState.MORE_INFO_REQUESTED}


def _check_editable(course):
    if not editable(course):
        raise JourneyError("Your intake has been submitted and can no longer be changed.")


def _storable(value):
    """A draft as PostgreSQL can keep it: jsonb refuses NUL, which a browser may still send."""
    if isinstance(value, list):
        return [item.replace("\x00", "") for item in value]
    return value.replace("\x00", "")


def save_draft(record, step_key, raw):
    """Keep what the patient typed even when it does not validate yet."""
    _check_editable(record.course)
    record.drafts[step_key] = {
        key: _storable(raw.getlist(key) if len(raw.getlist(key)) > 1 else raw.get(key))
        for key in raw
        if key != "csrfmiddlewaretoken"
    }
    record.save(update_fields=["drafts", "updated_at"])


def save_step(record, step_key, cleaned, *, by, request=None):
    """Store a valid step, mark it done, and copy the 'about you' answers to the patient."""
    course = record.course
    _check_editable(course)
    step = STEP_BY_KEY[step_key]
    if step_key == "about":
        refusal = date_of_birth_refusal(cleaned["date_of_birth"], course.clinic.today())
        if refusal:
            raise ValidationError({"date_of_birth": refusal})
    with transaction.atomic():
        if step.consent:
            document = current_consent(course.clinic)
            record_signature(
                course,
                document,
                by=by,
                signed_name=cleaned["signed_name"],
                agreed=cleaned["agreed"],
                statement=INTAKE_STATEMENT,
                ip_address=(request.META.get("REMOTE_ADDR") if request else None),
            )
            cleaned = {"document_version": document.version, "signed_name": cleaned["signed_name"]}
        record.answers[step_key] = _json_safe(cleaned)
        record.drafts.pop(step_key, None)
        if step_key not in record.completed_steps:
            record.completed_steps.append(step_key)
        record.save(update_fields=["answers", "drafts", "completed_steps", "updated_at"])
        if step_key == "about":
            patient = course.patient
            for field in PATIENT_FIELDS_FROM_ABOUT:
                setattr(patient, field, cleaned.get(field) or getattr(patient, field))
            patient.save()


def questionnaire_response(course, instrument_code):
    """The intake response for an instrument: the draft in progress, else the latest."""
    return (
        QuestionnaireResponse.objects.filter(
            course=course,
            instrument=instrument_code,
            purpose=QuestionnaireResponse.Purpose.INTAKE,
        )
        .order_by("-started_at", "-pk")
        .first()
    )


def save_questionnaire(record, step_key, answers, *, by, complete):
    """Save questionnaire answers (a draft or complete); an urgent flag raises a safety flag."""
    course = record.course
    _check_editable(course)
    step = STEP_BY_KEY[step_key]
    with transaction.atomic():
        response = questionnaire_response(course, step.instrument)
        if response is None or response.status == QuestionnaireResponse.Status.COMPLETED:
            response = QuestionnaireResponse(
                course=course,
                instrument=step.instrument,
                purpose=QuestionnaireResponse.Purpose.INTAKE,
                created_by=by,
            )
        response.save_answers(answers, complete=complete, context=scoring_context(record))
        if complete:
            if step_key not in record.completed_steps:
                record.completed_steps.append(step_key)
            record.drafts.pop(step_key, None)
        # A half-answered questionnaire can call for support too (item 9 answered first).
        _note_support_needed(record, step_key, response.has_urgent_flag)
        record.save(update_fields=["answers", "completed_steps", "drafts", "updated_at"])
        flag_urgent_answers(
            course, response.urgent_flags, source=flag_source(step.instrument), by=by
        )
    return response


def _note_support_needed(record, step_key, urgent):
    """Keep which questionnaires called for the support step; it applies while any still does."""
    screen = record.answers.get(SAFETY_SCREEN, {})
    after = set(screen.get("after", [])) - {step_key}
    if urgent:
        after.add(step_key)
    record.answers[SAFETY_SCREEN] = {"support_needed": bool(after), "after": sorted(after)}


def flag_source(instrument_code):
    """One source per intake questionnaire, so its answer and the screen share one flag."""
    return f"Intake {get_instrument(instrument_code).short_name}"


NO_SIGNED_PROTOCOL = (
    "The clinic has no signed-off protocol, so this intake was screened on the published "
    "cut-offs (reference §1). Check them against the clinic's own before deciding."
)


def screening_thresholds(clinic):
    """(cut-offs, note): the signed-off protocol's, or the published ones and a note saying so.

    A patient's submission is never refused for the clinic's set-up; the reviewer is told.
    """
    protocol = Protocol.objects.effective_for(clinic)
    if protocol is not None:
        return protocol.intake_thresholds, ""
    return dict(DEFAULT_THRESHOLDS), NO_SIGNED_PROTOCOL


def scoring_context(record):
    thresholds, _ = screening_thresholds(record.course.clinic)
    sex = record.answers.get("about", {}).get("sex_at_birth")
    return {"sex": sex, "provisional_cutoff": thresholds["pcl5_provisional_cutoff"]}


def current_consent(clinic):
    """The treatment consent version in effect, which the intake wizard asks to sign."""
    versions = ConsentDocument.objects.in_effect(clinic).filter(kind=ConsentKind.TREATMENT)
    document = versions.last()
    if document is None:
        raise JourneyError(
            "The clinic has not published its consent form yet. Please contact the clinic."
        )
    return document


def progress(record):
    """Which applicable steps are done, and the first one still to do."""
    steps = steps_for(record.answers)
    done = [s for s in steps if s.key in record.completed_steps]
    missing = [s for s in steps if s.key not in record.completed_steps]
    return {
        "steps": steps,
        "done": done,
        "missing": missing,
        "next": missing[0] if missing else None,
    }


# --- Submission and screening -------------------------------------------------------------


def submit_intake(course, *, by):
    """Freeze the answers, run the contraindication screen, and hand over to the clinic."""
    record = intake_record(course)
    _check_editable(course)
    state = progress(record)
    if state["missing"]:
        names = ", ".join(step.title for step in state["missing"])
        raise JourneyError(f"Please complete every step before submitting: {names}.")
    thresholds, unsigned_note = screening_thresholds(course.clinic)
    responses = {
        step.instrument: questionnaire_response(course, step.instrument)
        for step in state["steps"]
        if step.is_questionnaire
    }
    scores = {
        code: get_instrument(code).score(r.answers, context=scoring_context(record))
        for code, r in responses.items()
    }
    facts = IntakeFacts.build(
        record.answers, scores, {code: r.answers for code, r in responses.items()}, thresholds
    )
    hits = rules.evaluate(facts)
    with transaction.atomic():
        number = IntakeSubmission.objects.filter(course=course).count() + 1
        submission = IntakeSubmission.objects.create(
            course=course,
            number=number,
            answers=record.answers,
            scores={
                code: {"response_id": r.pk, "total": r.total, "band": r.band}
                for code, r in responses.items()
            },
            ruleset_version=RULESET_VERSION,
            thresholds=thresholds,
        )
        RuleHit.objects.bulk_create(
            RuleHit(
                submission=submission,
                rule_id=hit.rule_id,
                rule_version=hit.version,
                rule_class=str(hit.rule_class),
                title=hit.title,
                explanation=hit.explanation,
                source=hit.source,
                urgent=hit.urgent,
                triggered_by=_json_safe(hit.triggered_by),
            )
            for hit in hits
        )
        if unsigned_note:
            RuleHit.objects.create(
                submission=submission,
                rule_id="no-signed-protocol",
                rule_version=1,
                rule_class=RuleHit.RuleClass.CAUTION,
                title="Screened on the published cut-offs",
                explanation=unsigned_note,
                source="Clinic set-up",
            )
        for hit in hits:
            if hit.urgent:
                # A questionnaire answer raised its flag the moment it was saved (and a
                # clinician may already have resolved it): do not raise it a second time.
                instruments = {key.split(".")[0] for key in hit.triggered_by}
                if any(responses[c].has_urgent_flag for c in instruments & set(responses)):
                    continue
                SafetyFlag.raise_for(
                    course,
                    source="Intake screen",
                    reason=f"{hit.title}. {hit.explanation}",
                    by=by,
                    kind=SafetyFlag.Kind.SUICIDE_RISK
                    if hit.id in SUICIDE_RISK_RULES
                    else SafetyFlag.Kind.OTHER,
                )
        course.submit_intake(by)
    return submission


# --- Review and decision ------------------------------------------------------------------


def record_decision(course, *, by, data):
    """Sign the suitability decision and move the course; refused decisions leave no trace."""
    submission = course.intake_submissions.order_by("-number").first()
    if submission is None:
        raise JourneyError("There is no submitted intake to decide on.")
    outcome = data["outcome"]
    has_absolute = submission.hits.filter(rule_class=RuleHit.RuleClass.ABSOLUTE).exists()
    check_decision(outcome, has_absolute=has_absolute, data=data)
    text = fields_for_outcome(outcome, data)
    plan = None
    if outcome == SuitabilityDecision.Outcome.CLEARED:
        # The plan's terms as the decision form names them (its goals: "plan_goals").
        terms = {name: data[name] for name in PLAN_TERMS if name != "goals"}
        plan = TreatmentPlan(course=course, goals=data.get("plan_goals", ""), **terms)
        try:
            plan.clean()
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise DecisionRefused(messages[0], field=field) from None
    with transaction.atomic():
        if outcome == SuitabilityDecision.Outcome.CLEARED:
            course.clear(by, data["rationale"])
        elif outcome == SuitabilityDecision.Outcome.DECLINED:
            course.decline(by, data["rationale"])
        else:
            course.request_more_information(by, text["message_to_patient"])
        decision = SuitabilityDecision.objects.create(
            course=course,
            submission=submission,
            outcome=outcome,
            rationale=data["rationale"].strip(),
            override_reason=text["override_reason"],
            message_to_patient=text["message_to_patient"],
            decided_by=by,
        )
        if plan is not None:
            plan.decision = decision
            plan.save()
    return decision


def is_cleared(course):
    """The one question later phases ask of intake: is this course cleared, and on what plan?"""
    plan = getattr(course, "treatment_plan", None)
    return plan is not None and course.state in {
        CourseState.CLEARED,
        CourseState.IN_TREATMENT,
        CourseState.MAINTENANCE,
        CourseState.INTEGRATION,
    }
