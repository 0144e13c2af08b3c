"""Walk a demo patient through phase 1 with the same forms and services the pages use.

Every answer is validated by the step's own form before the service stores it, so the seeded
records are exactly what a patient and a prescriber would have produced through the app.
"""

from django.core.management.base import CommandError
from django.http import QueryDict

from intake import invitations, services
from intake.forms import ReviewDecisionForm
from intake.models import Invitation, RuleHit
from intake.steps import STEP_BY_KEY
from kapclinic.clinic.models import Protocol
from kapclinic.instruments import get_instrument
from kapclinic.measures.forms import InstrumentForm


def accept(course, password):
    """Accept the emailed invitation, as the patient does by following its link."""
    invitation = Invitation.objects.get(course=course, used_at__isnull=True, replaced_at=None)
    user = invitations.accept_invitation(invitation, password)
    course.refresh_from_db()
    return user


def answer_step(course, key, data, *, by):
    """Validate one step's POST data with its form and save it, as the wizard's step page does."""
    record = services.intake_record(course)
    step = STEP_BY_KEY[key]
    if step.is_questionnaire:
        form = InstrumentForm(
            get_instrument(step.instrument),
            data,
            scoring_context=services.scoring_context(record),
        )
        _check(form, course, key)
        services.save_questionnaire(record, key, form.answers(), by=by, complete=True)
        return
    kwargs = {"legal_name": course.patient.legal_name} if step.consent else {}
    form = step.form_class(data, **kwargs)
    _check(form, course, key)
    services.save_step(record, key, form.cleaned_data, by=by)


def save_draft(course, key, data):
    """Keep a half-filled step, as the wizard does when the patient leaves mid-way."""
    raw = QueryDict(mutable=True)
    for name, value in data.items():
        raw.setlist(name, value if isinstance(value, list) else [value])
    services.save_draft(services.intake_record(course), key, raw)


def complete_intake(course, answers, *, by):
    """Answer every step the wizard asks for, in its order, then sign consent and submit."""
    answers = {
        **answers,
        "consent": {"agreed": "on", "signed_name": course.patient.legal_name},
    }
    unused = set(answers)
    record = services.intake_record(course)
    while (step := services.progress(record)["next"]) is not None:
        if step.key not in answers:
            raise CommandError(f"Demo intake for {course.patient.email} has no {step.key!r}.")
        answer_step(course, step.key, answers[step.key], by=by)
        unused.discard(step.key)
        record.refresh_from_db()
    if unused:
        # An answer the wizard never asked for would be silently missing from the demo.
        raise CommandError(f"Demo intake for {course.patient.email}: unasked {sorted(unused)}.")
    return services.submit_intake(course, by=by)


def clear(course, rationale, *, by, protocol=None):
    """Sign a "cleared" decision on the protocol's plan (the clinic's default unless given),
    as the review page offers it."""
    protocol = protocol or Protocol.objects.effective_for(course.clinic)
    submission = course.intake_submissions.order_by("-number").first()
    answers = submission.answers if submission else {}
    form = ReviewDecisionForm(
        {
            "outcome": "cleared",
            "rationale": rationale,
            "route": protocol.route,
            "product": protocol.product,
            "dose_min_mg": protocol.dose_min_mg,
            "dose_max_mg": protocol.dose_max_mg,
            "planned_dosing_sessions": protocol.planned_dosing_sessions,
            "integration_cadence": protocol.integration_cadence,
            "plan_goals": answers.get("goals", {}).get("goals", ""),
        },
        has_absolute=bool(
            submission and submission.hits.filter(rule_class=RuleHit.RuleClass.ABSOLUTE).exists()
        ),
    )
    _check(form, course, "decision")
    return services.record_decision(course, by=by, data=form.cleaned_data)


def _check(form, course, key):
    if not form.is_valid():
        raise CommandError(
            f"Demo data for {course.patient.email}, {key}, does not validate:\n"
            f"{form.errors.as_text()}"
        )
