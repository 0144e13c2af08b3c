"""QuestionnaireResponse: scoring on save, drafts, locking, the DB constraint, access scope."""

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kapclinic.clinic.models import Role
from kapclinic.instruments import IncompleteAnswers, InvalidAnswer, InvalidContext
from kapclinic.measures.models import QuestionnaireResponse, ResponseLocked
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

# Total 12 (moderate); PHQ-2 (items 1-2) is 5.
PHQ9_MODERATE = {f"q{n}": 1 for n in range(1, 10)} | {"q1": 3, "q2": 2, "q3": 2, "q9": 0}


def new_response(instrument="phq9", course=None, **kwargs):
    return QuestionnaireResponse(
        course=course or CourseFactory(),
        instrument=instrument,
        purpose=QuestionnaireResponse.Purpose.INTAKE,
        **kwargs,
    )


def test_completed_response_stores_total_band_meaning_flags_and_subscales():
    response = new_response().save_answers(PHQ9_MODERATE, complete=True)
    response.refresh_from_db()
    assert response.status == QuestionnaireResponse.Status.COMPLETED
    assert response.completed_at is not None
    assert response.answers == PHQ9_MODERATE
    assert response.total == 12
    assert (response.band, response.severity) == ("Moderate", "moderate")
    assert response.band_meaning == "Moderate depression"
    assert response.badge_tone == "warning"
    assert [flag["key"] for flag in response.flags] == ["further_evaluation"]
    assert response.flags[0]["urgent"] is False
    assert response.subscales == {"phq2": 5}
    assert response.instrument_version == "1"
    assert not response.has_urgent_flag


def test_draft_withholds_total_and_band_until_every_answer_is_in():
    response = new_response("gad7").save_answers({"q1": 2, "q2": 1}, complete=False)
    response.refresh_from_db()
    assert response.status == QuestionnaireResponse.Status.DRAFT
    assert response.completed_at is None
    assert response.answers == {"q1": 2, "q2": 1}
    assert response.total is None
    assert response.band == "" and response.severity == ""
    assert response.badge_tone == "neutral"


def test_draft_can_be_saved_again_then_completed():
    response = new_response("gad7").save_answers({"q1": 2}, complete=False)
    answers = {f"q{n}": 3 for n in range(1, 8)}
    response.save_answers(answers, complete=True)
    response.refresh_from_db()
    assert response.total == 21
    assert (response.band, response.badge_tone) == ("Severe", "danger")


def test_phq9_item9_flag_is_stored_on_a_draft():
    response = new_response().save_answers({"q9": 1}, complete=False)
    response.refresh_from_db()
    assert response.status == QuestionnaireResponse.Status.DRAFT
    assert response.has_urgent_flag
    assert [flag["key"] for flag in response.urgent_flags] == ["suicide_risk"]
    assert "same day" in response.urgent_flags[0]["explanation"]


def test_phq9_item9_flag_is_stored_on_completion_whatever_the_total():
    answers = {f"q{n}": 0 for n in range(1, 9)} | {"q9": 1}
    response = new_response().save_answers(answers, complete=True)
    response.refresh_from_db()
    assert response.total == 1
    assert response.band == "Minimal"
    assert response.has_urgent_flag
    assert response.urgent_flags[0]["key"] == "suicide_risk"


def test_completing_with_missing_answers_raises_and_stores_nothing():
    response = new_response()
    with pytest.raises(IncompleteAnswers) as raised:
        response.save_answers({"q1": 1}, complete=True)
    assert "q9" in raised.value.missing
    assert response.pk is None
    assert not QuestionnaireResponse.objects.exists()


def test_foreign_answer_raises_the_instruments_error_naming_the_item():
    with pytest.raises(InvalidAnswer) as raised:
        new_response().save_answers({"q1": 7}, complete=False)
    assert raised.value.item == "q1"


def test_bad_cut_off_in_context_raises_invalid_context():
    with pytest.raises(InvalidContext):
        new_response("pcl5").save_answers({}, complete=False, context={"provisional_cutoff": 99})


def test_auditc_records_the_cut_off_applied_for_the_patients_sex():
    answers = {"q1": 1, "q2": 1, "q3": 1}  # total 3: positive for women, not for men
    female = new_response("auditc").save_answers(answers, complete=True, context={"sex": "female"})
    male = new_response("auditc").save_answers(answers, complete=True, context={"sex": "male"})
    assert female.parameters != male.parameters
    assert female.flags and not male.flags
    assert female.applied_parameters[0][1] == 3


def test_cssrs_high_risk_stores_tier_severity_and_urgent_flag():
    answers = {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}
    response = new_response("cssrs_screen").save_answers(answers, complete=True)
    response.refresh_from_db()
    assert response.total is None and response.band == ""
    assert response.tier == "high"
    assert response.tier_label == "High risk"
    assert response.badge_tone == "danger"
    assert response.has_urgent_flag


def test_completed_response_is_locked():
    response = new_response("gad7").save_answers({f"q{n}": 0 for n in range(1, 8)}, complete=True)
    with pytest.raises(ResponseLocked):
        response.save_answers({f"q{n}": 3 for n in range(1, 8)}, complete=True)
    with pytest.raises(ResponseLocked):
        response.save_answers({"q1": 3}, complete=False)
    response.refresh_from_db()
    assert response.total == 0


def test_stale_copy_cannot_overwrite_a_response_completed_elsewhere():
    draft = new_response("gad7").save_answers({"q1": 1}, complete=False)
    other_tab = QuestionnaireResponse.objects.get(pk=draft.pk)
    other_tab.save_answers({f"q{n}": 0 for n in range(1, 8)}, complete=True)
    with pytest.raises(ResponseLocked):
        draft.save_answers({"q1": 3}, complete=False)
    draft.refresh_from_db()
    assert draft.status == QuestionnaireResponse.Status.COMPLETED
    assert draft.answers["q1"] == 0


def test_database_refuses_completed_response_without_completion_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        new_response(status=QuestionnaireResponse.Status.COMPLETED).save()


def test_database_refuses_draft_with_completion_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        new_response(completed_at=timezone.now()).save()


def test_model_clean_explains_the_completion_time_rule():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        new_response(status=QuestionnaireResponse.Status.COMPLETED).clean()


def test_completed_filters_out_drafts():
    done = new_response("gad7").save_answers({f"q{n}": 0 for n in range(1, 8)}, complete=True)
    new_response("gad7").save_answers({"q1": 0}, complete=False)
    assert list(QuestionnaireResponse.objects.completed()) == [done]


@pytest.fixture
def responses(world):
    def make(course):
        return new_response("gad7", course=course).save_answers({"q1": 1}, complete=False)

    return {
        "one": [make(course) for course in world.one.courses],
        "two": [make(course) for course in world.two.courses],
    }


def test_patient_sees_only_their_own_responses(world, responses):
    user = world.one.patients[0].user
    assert list(QuestionnaireResponse.objects.visible_to(user)) == [responses["one"][0]]


@pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.THERAPIST, Role.NURSE])
def test_staff_see_their_clinics_responses_only(world, responses, role):
    user = world.one.staff[role].user
    assert set(QuestionnaireResponse.objects.visible_to(user)) == set(responses["one"])


def test_other_clinic_staff_see_none_of_them(world, responses):
    user = world.two.staff[Role.PRESCRIBER].user
    visible = set(QuestionnaireResponse.objects.visible_to(user))
    assert visible == set(responses["two"])
    assert not visible & set(responses["one"])


def test_user_with_no_role_and_anonymous_see_nothing(world, responses):
    from django.contrib.auth.models import AnonymousUser

    assert not QuestionnaireResponse.objects.visible_to(UserFactory()).exists()
    assert not QuestionnaireResponse.objects.visible_to(AnonymousUser()).exists()


def test_score_summary_shows_band_badge_and_urgent_flag_explanation():
    answers = {f"q{n}": 3 for n in range(1, 10)}
    response = new_response().save_answers(answers, complete=True)
    html = render_to_string("measures/_score_summary.html", {"response": response})
    assert "PHQ-9" in html
    assert "27 / 27" in html
    assert 'badge badge--danger">Severe<' in html
    assert "Severe depression" in html
    assert 'badge badge--danger">Urgent<' in html
    assert "do not dose until a clinician resolves the flag" in html


def test_score_summary_of_a_draft_says_it_is_not_finished():
    response = new_response().save_answers({"q9": 2}, complete=False)
    html = render_to_string("measures/_score_summary.html", {"response": response})
    assert "Not finished" in html
    assert "/ 27" not in html
    assert "Urgent" in html


def test_admin_is_read_only_and_scoped_to_the_admins_clinic(world, responses, rf):
    from django.contrib import admin

    from kapclinic.measures.admin import QuestionnaireResponseAdmin

    model_admin = QuestionnaireResponseAdmin(QuestionnaireResponse, admin.site)
    request = rf.get("/admin/")
    request.user = world.one.staff[Role.CLINIC_ADMIN].user
    assert set(model_admin.get_queryset(request)) == set(responses["one"])
    assert request.user.has_perm("measures.view_questionnaireresponse")
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, responses["one"][0])
    assert not model_admin.has_delete_permission(request, responses["one"][0])
    assert "answers" in model_admin.get_readonly_fields(request, responses["one"][0])
