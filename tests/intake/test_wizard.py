"""The intake wizard: one step per page, saved as it goes, resumable, then submitted."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from intake.models import IntakeRecord, IntakeSubmission
from kapclinic.clinic.models import CourseState, SafetyFlag
from kapclinic.demo.builder import YES, intake_answers
from tests.reminders.conftest import run_scan
from tests.step_pages import HALF_FILLED_GAD7, after_refusal, assert_half_filled_gad7_kept

from .helpers import fill_intake

pytestmark = pytest.mark.django_db


def test_start_sends_the_patient_to_the_first_step(patient_client):
    client, _, _ = patient_client
    assert client.get(reverse("intake:start"))["Location"] == reverse("intake:step", args=["about"])


def test_each_step_page_shows_progress_and_its_questions(medical_page):
    assert "Step 2 of" in medical_page
    assert "serious reaction to ketamine" in medical_page


def test_invalid_answers_show_errors_beside_fields_and_are_kept(patient_client):
    client, patient, course = patient_client
    data = {
        **intake_answers(patient)["about"],
        "date_of_birth": "2099-01-01",
        "pronouns": "they/them",
    }
    response = after_refusal(client, client.post(reverse("intake:step", args=["about"]), data))
    assert "cannot be in the future" in response.content.decode()
    record = IntakeRecord.objects.get(course=course)
    assert record.drafts["about"]["pronouns"] == "they/them"
    # Next day, another device: the draft and its errors are back.
    again = client.get(reverse("intake:step", args=["about"])).content.decode()
    assert "they/them" in again and "cannot be in the future" in again


def test_under_18_is_refused(patient_client):
    client, patient, _ = patient_client
    data = {**intake_answers(patient)["about"], "date_of_birth": "2015-01-01"}
    body = after_refusal(client, client.post(reverse("intake:step", args=["about"]), data))
    assert "18 or over" in body.content.decode()


def test_about_you_updates_the_patient_record(patient_client):
    client, patient, _ = patient_client
    client.post(reverse("intake:step", args=["about"]), intake_answers(patient)["about"])
    patient.refresh_from_db()
    assert str(patient.date_of_birth) == "1985-06-15"
    assert patient.emergency_contact_name == "Chris Example"


def test_leaving_midway_and_resuming_restores_the_place(patient_client):
    client, patient, _ = patient_client
    data = intake_answers(patient)
    client.post(reverse("intake:step", args=["about"]), data["about"])
    response = client.post(
        reverse("intake:step", args=["medical"]), {**data["medical"], "leave": "1"}
    )
    assert response["Location"] == reverse("clinic:my-journey")
    assert client.get(reverse("intake:start"))["Location"] == reverse(
        "intake:step", args=["psychiatric"]
    )
    journey = client.get(reverse("clinic:my-journey")).content.decode()
    assert "Continue my intake" in journey


def test_half_filled_questionnaire_keeps_answers_and_names_the_missing_items(patient_client):
    client, _, course = patient_client
    response = after_refusal(
        client, client.post(reverse("intake:step", args=["gad7"]), HALF_FILLED_GAD7)
    )
    # Named above the form and linked, as on the check-in (the one step page of the core).
    page, _ = assert_half_filled_gad7_kept(response, course)
    assert "Please answer this question" in page


def test_medications_need_a_list_or_an_explicit_none(patient_client):
    client, _, _ = patient_client
    body = after_refusal(
        client, client.post(reverse("intake:step", args=["medications"]), {"medicines": ""})
    )
    assert "tick that you take none" in body.content.decode()


def test_pcl5_is_asked_only_after_reported_trauma(patient_client):
    client, patient, _ = patient_client
    assert client.get(reverse("intake:step", args=["pcl5"])).status_code == 404
    data = intake_answers(patient)["psychiatric"]
    client.post(reverse("intake:step", args=["psychiatric"]), {**data, "trauma_history": YES})
    assert client.get(reverse("intake:step", args=["pcl5"])).status_code == 200


def test_phq9_item9_shows_crisis_resources_raises_flag_and_emails_prescriber(world, patient_client):
    client, patient, course = patient_client
    answers = {**intake_answers(patient)["phq9"], "q9": "1"}
    response = client.post(reverse("intake:step", args=["phq9"]), answers)
    assert response["Location"] == reverse("intake:step", args=["support"])
    support = client.get(response["Location"]).content.decode()
    assert "116 123" in support  # the clinic's crisis resources
    flag = SafetyFlag.objects.get(course=course)
    assert flag.is_open and flag.urgency == SafetyFlag.Urgency.URGENT
    run_scan(timezone.now())  # the worker sends the alert's reminder row
    alert = [m for m in mail.outbox if "safety alert" in m.subject.lower()]
    assert len(alert) == 1
    assert alert[0].to == [world.one.staff["prescriber"].user.email]
    assert patient.legal_name not in alert[0].body and "ketamine" not in alert[0].body.lower()


def test_submit_refused_until_every_step_is_done(patient_client):
    client, patient, course = patient_client
    fill_intake(client, patient, skip={"goals"})
    response = client.post(reverse("intake:check"), follow=True)
    assert "Your goals" in response.content.decode()
    course.refresh_from_db()
    assert course.state == CourseState.INTAKE_IN_PROGRESS


def test_full_intake_submits_and_runs_the_screen(patient_client):
    client, patient, course = patient_client
    fill_intake(client, patient, overrides={"medical": {"pregnant": YES}})
    check = client.get(reverse("intake:check")).content.decode()
    assert "Send my intake to the clinic" in check
    client.post(reverse("intake:check"))
    course.refresh_from_db()
    assert course.state == CourseState.INTAKE_SUBMITTED
    submission = IntakeSubmission.objects.get(course=course)
    assert submission.answers["medical"]["pregnant"] is True
    assert any("regnan" in hit.title for hit in submission.hits.all())
    assert submission.scores["gad7"]["total"] == 7


def test_submitted_intake_can_no_longer_be_edited(patient_client):
    client, patient, course = patient_client
    fill_intake(client, patient)
    client.post(reverse("intake:check"))
    response = client.post(reverse("intake:step", args=["goals"]), {"goals": "changed"})
    assert response["Location"] == reverse("clinic:my-journey")
    assert IntakeRecord.objects.get(course=course).answers["goals"]["goals"] != "changed"


def test_consent_needs_the_patients_full_name(patient_client):
    client, _, _ = patient_client
    body = after_refusal(
        client,
        client.post(
            reverse("intake:step", args=["consent"]),
            {"agreed": "on", "signed_name": "Someone Else"},
        ),
    ).content.decode()
    assert "exactly as the clinic has it" in body


def test_an_unticked_consent_box_says_what_to_do_beside_it(patient_client):
    client, patient, _ = patient_client
    body = after_refusal(
        client,
        client.post(reverse("intake:step", args=["consent"]), {"signed_name": patient.legal_name}),
    ).content.decode()
    assert "Tick the box to say you consent, or leave it for now." in body
    assert "This field is required." not in body


def test_staff_cannot_use_the_patient_wizard(world, staff_client):
    client = staff_client(world.one.staff["prescriber"])
    assert client.get(reverse("intake:step", args=["about"])).status_code == 403


def test_a_saved_date_of_birth_is_shown_again_in_the_date_field(patient_client):
    client, patient, _ = patient_client
    client.post(reverse("intake:step", args=["about"]), intake_answers(patient)["about"])
    page = client.get(reverse("intake:step", args=["about"])).content.decode()
    assert 'value="1985-06-15"' in page


def test_about_you_starts_from_what_the_clinic_already_has(patient_client):
    """Found walking the demo: "What would you like us to call you?" started empty although
    the clinic entered a preferred name when inviting."""
    client, patient, _ = patient_client
    patient.preferred_name, patient.pronouns = "Jo", ""
    patient.save()
    page = client.get(reverse("intake:step", args=["about"])).content.decode()
    assert 'name="preferred_name" value="Jo"' in page
    assert 'name="pronouns"' in page and 'name="pronouns" value=' not in page


def test_going_back_keeps_what_was_typed_on_the_page(patient_client):
    client, patient, course = patient_client
    client.post(reverse("intake:step", args=["about"]), intake_answers(patient)["about"])
    page = client.get(reverse("intake:step", args=["medical"])).content.decode()
    # "Back to about you" sends the form (a button, not a link), so nothing typed is lost.
    assert 'name="back" value="1"' in page and "Back to about you</button>" in page
    response = client.post(
        reverse("intake:step", args=["medical"]),
        {"allergies": "Penicillin", "ketamine_hypersensitivity": "False", "back": "1"},
    )
    assert response["Location"] == reverse("intake:step", args=["about"])
    assert IntakeRecord.objects.get(course=course).drafts["medical"]["allergies"] == "Penicillin"
    again = client.get(reverse("intake:step", args=["medical"])).content.decode()
    assert "Penicillin" in again


def test_going_back_from_an_untouched_page_saves_nothing(patient_client):
    client, patient, course = patient_client
    client.post(reverse("intake:step", args=["about"]), intake_answers(patient)["about"])
    response = client.post(reverse("intake:step", args=["medical"]), {"back": "1"})
    assert response["Location"] == reverse("intake:step", args=["about"])
    assert "medical" not in IntakeRecord.objects.get(course=course).drafts


def test_check_answers_shows_the_date_of_birth_in_words(patient_client):
    client, patient, _ = patient_client
    fill_intake(client, patient)
    check = client.get(reverse("intake:check")).content.decode()
    assert "15 June 1985" in check and "1985-06-15" not in check


@pytest.mark.parametrize(
    ("step", "typed", "words"),
    [
        ("psychiatric", {"hospitalisations": "-3"}, "Please enter a number from 0 to 99."),
        (
            "substance",
            {"substance_use_disorder_history": YES, "substance_use_in_recovery_years": "120"},
            "Please enter a number from 0 to 80.",
        ),
    ],
)
def test_a_count_out_of_range_is_refused_in_plain_words(patient_client, step, typed, words):
    client, patient, _ = patient_client
    data = {**intake_answers(patient)[step], **typed}
    page = after_refusal(client, client.post(reverse("intake:step", args=[step]), data))
    page = page.content.decode()
    assert words in page and "Ensure this value" not in page
