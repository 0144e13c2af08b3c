"""Clinician review: everything on one page, a signed immutable decision, the plan."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.models import SuitabilityDecision, TreatmentPlan
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import CourseState, Role, SafetyFlag
from kapclinic.clinic.records import ImmutableRecordError
from kapclinic.demo.builder import YES, intake_answers, publish_consent

from ..risk_helpers import risk_review_data
from .helpers import CLEAR, submitted_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(world):
    return publish_consent(world.one.clinic)


def clear_data(**extra):
    return {**CLEAR, **extra}


def review_url(course):
    return reverse("intake:review", args=[course.pk])


def test_review_page_shows_answers_scores_and_rule_hits(world, client, consent, staff_client):
    course = submitted_course(world, client, overrides={"medical": {"glaucoma": YES}})
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    response = prescriber.get(review_url(course))
    body = response.content.decode()
    assert response.status_code == 200
    assert "GAD-7" in body and "PHQ-9" in body
    assert "laucoma" in body  # the rule hit and the answer
    assert "Feel less weighed down." in body
    assert AccessEvent.objects.filter(
        patient=course.patient, action=AccessEvent.Action.VIEW, what="intake review"
    ).exists()


def test_review_is_not_found_for_another_clinic_and_refused_for_patients(
    world, client, consent, staff_client
):
    course = submitted_course(world, client)
    outsider = staff_client(world.two.staff[Role.PRESCRIBER])
    assert outsider.get(review_url(course)).status_code == 404
    client.force_login(world.one.patients[0].user)
    assert client.get(review_url(course)).status_code == 403


def start_review(client, course):
    """The signed-in clinician opens the review; returns their client."""
    client.post(review_url(course), {"action": "start-review"})
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW
    return client


def test_prescriber_clears_with_a_plan_and_the_decision_is_immutable(
    world, client, consent, staff_client
):
    course = submitted_course(world, client)
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    response = prescriber.post(review_url(course), clear_data())
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.state == CourseState.CLEARED
    plan = TreatmentPlan.objects.get(course=course)
    assert plan.planned_dosing_sessions == 6 and str(plan.dose_max_mg) == "300.00"
    page = prescriber.get(review_url(course)).content.decode()
    assert "Treatment plan" in page and "100–300 mg" in page
    decision = SuitabilityDecision.objects.get(course=course)
    decision.rationale = "edited"
    with pytest.raises(ImmutableRecordError):
        decision.save()
    with pytest.raises(ImmutableRecordError):
        decision.delete()


def test_decision_needs_a_rationale(world, client, consent, staff_client):
    course = submitted_course(world, client)
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    response = prescriber.post(review_url(course), clear_data(rationale=""))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW


def test_absolute_contraindication_needs_an_override_reason(world, client, consent, staff_client):
    course = submitted_course(world, client, overrides={"medical": {"aneurysm_or_avm": YES}})
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    refused = prescriber.post(review_url(course), clear_data())
    assert "give a reason to clear anyway" in refused.content.decode()
    prescriber.post(
        review_url(course),
        clear_data(override_reason="Vascular surgeon confirms repaired, stable."),
    )
    course.refresh_from_db()
    assert course.state == CourseState.CLEARED
    assert "Vascular surgeon" in SuitabilityDecision.objects.get(course=course).override_reason


def test_open_safety_flag_blocks_clearance_until_resolved(world, client, consent, staff_client):
    course = submitted_course(world, client, overrides={"phq9": {"q9": "1"}})
    flag = SafetyFlag.objects.get(course=course)
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    blocked = prescriber.post(review_url(course), clear_data())
    assert "open safety flag" in blocked.content.decode()
    assert not SuitabilityDecision.objects.filter(course=course).exists()
    assert flag.is_suicide_risk
    prescriber.post(
        reverse("clinic:risk-review", args=[flag.pk]),
        risk_review_data(formulation="Called same day: passive thoughts, no plan."),
    )
    flag.refresh_from_db()
    assert not flag.is_open
    prescriber.post(review_url(course), clear_data())
    course.refresh_from_db()
    assert course.state == CourseState.CLEARED


def test_therapist_cannot_clear(world, client, consent, staff_client):
    course = submitted_course(world, client)
    therapist = start_review(staff_client(world.one.staff[Role.THERAPIST]), course)
    response = therapist.post(review_url(course), clear_data())
    assert "Only the course" in response.content.decode()
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW


def test_more_information_goes_back_to_the_patient_who_resubmits(
    world, client, consent, staff_client
):
    course = submitted_course(world, client)
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    prescriber.post(
        review_url(course),
        {
            "outcome": "more_information",
            "rationale": "Need medicines list.",
            "message_to_patient": "Please list the dose of your sleeping tablets.",
        },
    )
    course.refresh_from_db()
    assert course.state == CourseState.MORE_INFO_REQUESTED
    patient = world.one.patients[0]
    client.force_login(patient.user)
    journey = client.get(reverse("clinic:my-journey")).content.decode()
    assert "Please list the dose of your sleeping tablets." in journey
    client.post(
        reverse("intake:step", args=["medications"]), {"medicines": "Zopiclone 7.5 mg at night"}
    )
    client.post(reverse("intake:check"))
    course.refresh_from_db()
    assert course.state == CourseState.INTAKE_SUBMITTED
    assert course.intake_submissions.count() == 2


def test_decline_records_the_reason(world, client, consent, staff_client):
    course = submitted_course(world, client)
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    prescriber.post(
        review_url(course),
        {"outcome": "declined", "rationale": "Psychosis history: refer on."},
    )
    course.refresh_from_db()
    assert course.state == CourseState.DECLINED


def test_review_page_query_count_does_not_grow_with_answers(world, client, consent, staff_client):
    simple = submitted_course(world, client, index=0)
    busy = submitted_course(
        world,
        client,
        index=1,
        overrides={
            "medical": {"glaucoma": YES, "liver_disease": YES, "seizures": YES, "pregnant": YES},
            "psychiatric": {"trauma_history": YES, "psychosis_family_history": YES},
            "medications": {
                "no_medicines": "",
                "medicines": "Diazepam 5mg\nTramadol\nAdderall\nSertraline",
            },
            "phq9": {"q9": "2"},
        },
    )
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])

    def count(course):
        with CaptureQueriesContext(connection) as ctx:
            assert prescriber.get(review_url(course)).status_code == 200
        return len(ctx.captured_queries)

    count(simple)  # warm the session
    assert count(simple) == count(busy)


def test_patient_data_is_escaped_on_the_review_page(world, client, consent, staff_client):
    course = submitted_course(
        world, client, overrides={"goals": {"goals": "<script>alert('x')</script>"}}
    )
    body = staff_client(world.one.staff[Role.PRESCRIBER]).get(review_url(course)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


def test_step_data_helper_matches_the_forms(world):
    assert set(intake_answers(world.one.patients[0])) >= {"about", "consent"}


def test_decision_form_reuses_its_html_but_never_a_patients_goals():
    """The empty form is drawn once per set of protocol defaults; the goals are each patient's."""
    from django import forms as django_forms

    from intake import forms

    defaults = {"route": "sublingual", "dose_min_mg": Decimal("100"), "dose_max_mg": None}
    for goals in ['Sleep <again> & "walk"', "Lift mood", ""]:
        form = forms.ReviewDecisionForm(initial={**defaults, "plan_goals": goals})
        fresh = forms.ReviewDecisionForm(initial={**defaults, "plan_goals": goals})
        own = django_forms.Form.render(fresh, fresh.template_name_div)
        assert form.as_div() == own
    assert "Sleep &lt;again&gt; &amp; &quot;walk&quot;" not in form.as_div()
    from kapclinic.clinic.forms import _DRAWN

    drawn = [html for key, html in _DRAWN.items() if key[0] is forms.ReviewDecisionForm]
    assert drawn
    for html in drawn:
        assert "Sleep" not in html and "Lift mood" not in html
        assert forms.ReviewDecisionForm.placeholder("plan_goals") in html
    bound = forms.ReviewDecisionForm({"outcome": "cleared", "plan_goals": "Typed <here>"})
    assert "Typed &lt;here&gt;" in bound.as_div()


def test_without_a_signed_protocol_the_screen_says_so_and_the_plan_is_not_prefilled(
    world, client, consent, staff_client
):
    """Issue 14: no silent defaults. The published cut-offs screen, with a caution."""
    from kapclinic.clinic.models import Protocol

    Protocol.objects.filter(clinic=world.one.clinic).update(active=False)
    course = submitted_course(world, client)
    hit = course.intake_submissions.get().hits.get(rule_id="no-signed-protocol")
    assert hit.rule_class == "caution" and "published cut-offs" in hit.explanation
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    prescriber.post(review_url(course), {"action": "start-review"})
    response = prescriber.get(review_url(course))
    assert "The clinic has no signed-off protocol" in response.content.decode()
    assert "dose_min_mg" not in response.context["form"].initial


def test_a_signed_protocol_prefills_the_plan_and_adds_no_caution(
    world, client, consent, staff_client
):
    course = submitted_course(world, client)
    assert not course.intake_submissions.get().hits.filter(rule_id="no-signed-protocol")
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    prescriber.post(review_url(course), {"action": "start-review"})
    response = prescriber.get(review_url(course))
    assert response.context["form"].initial["dose_max_mg"] == Decimal(400)


def test_a_plan_past_the_protocols_session_maximum_is_refused_beside_the_dose(
    world, client, consent, staff_client
):
    """A typo (5000 for 500) must not sign a plan no session may give: the protocol's session
    maximum (400 mg) is a hard limit, so the plan's highest dose is refused beside the field."""
    course = submitted_course(world, client)
    prescriber = start_review(staff_client(world.one.staff[Role.PRESCRIBER]), course)
    response = prescriber.post(review_url(course), clear_data(dose_max_mg="5000"))
    assert response.status_code == 200
    errors = response.context["form"].errors["dose_max_mg"]
    assert errors == [
        "The protocol allows at most 400 mg a session: no reason or override passes it."
    ]
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW
    assert not SuitabilityDecision.objects.filter(course=course).exists()
    assert not TreatmentPlan.objects.filter(course=course).exists()
