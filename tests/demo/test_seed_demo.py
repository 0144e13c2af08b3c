"""The demo seed: built through the real intake services, safe to run twice, every login works."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from intake.models import IntakeRecord, IntakeSubmission, SuitabilityDecision, TreatmentPlan
from kapclinic.clinic.models import (
    Clinic,
    CourseState,
    Patient,
    Protocol,
    Provider,
    TreatmentCourse,
    User,
)
from kapclinic.measures.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def logins(output):
    """The password and emails as printed (scripts/screenshots.py reads the password so)."""
    password = re.search(r"password for all: (\S+?)\)", output).group(1)
    emails = re.findall(r"^  .{14} (\S+@\S+)", output, flags=re.MULTILINE)
    return password, emails


def counts():
    models = (
        Clinic,
        User,
        Provider,
        Patient,
        TreatmentCourse,
        IntakeSubmission,
        QuestionnaireResponse,
        SuitabilityDecision,
        TreatmentPlan,
    )
    return {model.__name__: model.objects.count() for model in models}


def course_of(email):
    return TreatmentCourse.objects.get(patient__email=email)


def test_seeding_twice_keeps_one_clinic_and_reprints_the_logins():
    first = seed()
    before = counts()
    second = seed()
    assert "Demo clinic seeded." in first
    assert "already seeded" in second
    assert counts() == before and before["Clinic"] == 1
    assert logins(second) == logins(first)


def test_every_printed_login_signs_in_and_reaches_its_home_page(client, settings):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    password, emails = logins(seed())
    assert len(emails) == 9
    for email in emails:
        signed_in = client.post(
            reverse("account_login"), {"login": email, "password": password}, follow=True
        )
        assert signed_in.status_code == 200, email
        assert signed_in.wsgi_request.user.email == email
        home = client.get(reverse("home"), follow=True)
        assert home.status_code == 200, email
        expected = (
            "clinic:caseload" if Provider.objects.filter(user__email=email) else "clinic:my-journey"
        )
        assert home.redirect_chain[-1][0] == reverse(expected), email
        client.logout()


def test_under_review_patient_shows_answers_scores_and_rule_hits_to_the_prescriber(
    client, settings
):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    seed()
    course = course_of("review@example.com")
    assert course.state == CourseState.UNDER_REVIEW
    client.force_login(User.objects.get(email="prescriber@example.com"))
    response = client.get(reverse("intake:review", args=[course.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lorazepam 0.5 mg" in body  # the answer, with its interaction note
    assert "Benzodiazepine (CNS depressant)" in body
    assert "Takes a benzodiazepine" in body  # rule hits
    assert "PCL-5 at or above the provisional PTSD cut-off" in body
    for instrument in ("PCL-5", "PHQ-9", "GAD-7", "AUDIT-C"):
        assert instrument in body
    assert "Get through a day without flashbacks" in body
    scores = IntakeSubmission.objects.get(course=course).scores
    assert {code: s["total"] for code, s in scores.items()} == {
        "auditc": 1,
        "gad7": 12,
        "phq9": 11,
        "pcl5": 42,
    }


@pytest.mark.parametrize(
    ("email", "state"),
    [
        ("cleared@example.com", CourseState.CLEARED),
        ("patient@example.com", CourseState.IN_TREATMENT),
        ("integration@example.com", CourseState.INTEGRATION),
    ],
)
def test_cleared_patients_have_a_signed_decision_and_a_plan_from_the_protocol(email, state):
    seed()
    course = course_of(email)
    assert course.state == state
    decision = SuitabilityDecision.objects.get(course=course)
    assert decision.outcome == SuitabilityDecision.Outcome.CLEARED
    assert decision.decided_by.email == "prescriber@example.com"
    assert decision.rationale and decision.submission.hits.exists()
    plan = TreatmentPlan.objects.get(course=course, decision=decision)
    protocol = Protocol.objects.get(clinic=course.clinic, is_default=True)
    assert (plan.route, plan.dose_min_mg, plan.dose_max_mg, plan.planned_dosing_sessions) == (
        protocol.route,
        protocol.dose_min_mg,
        protocol.dose_max_mg,
        protocol.planned_dosing_sessions,
    )
    assert course.consent_signatures.get().signed_name == course.patient.legal_name


def test_intake_in_progress_resumes_at_the_half_filled_step(client):
    seed()
    course = course_of("intake@example.com")
    record = IntakeRecord.objects.get(course=course)
    assert record.completed_steps == ["about", "medical"]
    assert set(record.drafts) == {"psychiatric"}
    client.force_login(course.patient.user)
    response = client.get(reverse("intake:start"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("intake:step", args=["psychiatric"])
    assert response.status_code == 200


def test_amara_keeps_her_open_safety_flag():
    seed()
    flags = course_of("patient@example.com").safety_flags.open()
    assert [flag.source for flag in flags] == ["Check-in PHQ-9 item 9"]
