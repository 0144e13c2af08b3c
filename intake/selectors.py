"""Phase 1 reads: everything recorded for a suitability review, for the page and the report."""

from django.db.models import Prefetch

from kapclinic.clinic.models import SafetyFlag
from kapclinic.instruments import get_instrument
from kapclinic.measures.models import QuestionnaireResponse

from .medications import recognise
from .models import ConsentSignature, RuleHit


def suitability_review(course):
    """The latest submission with its answers, scores, rule hits, flags, consent and decisions.

    A fixed number of queries whatever the size of the record: the review page asserts it, and
    the assessment report reads the same dictionary so both show the same facts. Keys:
    submission, answers, hits, has_absolute, questionnaires, medications, flags, consent,
    decisions (newest first, each with `decided_by` and its `plan` loaded) and plan.
    """
    submission = (
        course.intake_submissions.prefetch_related(
            Prefetch("hits", queryset=RuleHit.objects.order_by("pk"))
        )
        .order_by("-number")
        .first()
    )
    responses = QuestionnaireResponse.objects.filter(
        course=course,
        purpose=QuestionnaireResponse.Purpose.INTAKE,
        status=QuestionnaireResponse.Status.COMPLETED,
    ).order_by("instrument", "-completed_at")
    latest = {}
    for response in responses:
        latest.setdefault(response.instrument, response)
    answers = submission.answers if submission else {}
    hits = list(submission.hits.all()) if submission else []
    decisions = list(
        course.suitability_decisions.select_related("decided_by__provider", "plan").order_by(
            "-decided_at"
        )
    )
    return {
        "submission": submission,
        "answers": answers,
        "hits": hits,
        "has_absolute": any(h.rule_class == RuleHit.RuleClass.ABSOLUTE for h in hits),
        "questionnaires": [{"response": r, "items": item_rows(r)} for r in latest.values()],
        "medications": recognise(answers.get("medications", {}).get("items", [])),
        "flags": list(
            SafetyFlag.objects.filter(course=course).select_related(
                "raised_by", "resolved_by", "risk_review"
            )
        ),
        "consent": ConsentSignature.objects.filter(course=course)
        .select_related("document")
        .first(),
        "decisions": decisions,
        # Reverse one-to-one loaded above; a decision without a plan raises AttributeError.
        "plan": next((d.plan for d in decisions if hasattr(d, "plan")), None),
    }


def item_rows(response):
    """Each answered item with the patient's answer label and points."""
    definition = get_instrument(response.instrument)
    rows = []
    for item in definition.items:
        if item.key not in response.answers:
            continue
        value = response.answers[item.key]
        option = item.option(value)
        rows.append(
            {
                "text": item.text,
                "label": option.label if option else value,
                "points": item.points(value) if item.scored else None,
            }
        )
    return rows
