"""Who may open each phase-1 page: object level, across two clinics and both sides."""

import pytest
from django.urls import reverse

from intake.models import IntakeRecord
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role, SafetyFlag

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("get", "intake:invite", False),
    ("get", "intake:review", True),
    ("post", "intake:resend-invitation", True),
]
PATIENT_PAGES = ["intake:start", "intake:support", "intake:check"]


def url(name, course=None):
    return reverse(name, args=[course.pk]) if course is not None else reverse(name)


@pytest.mark.parametrize("method, name, per_course", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(world, client, method, name, per_course):
    response = getattr(client, method)(url(name, world.one.courses[0] if per_course else None))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("method, name, per_course", STAFF_PAGES)
def test_patients_are_refused_staff_pages_and_the_refusal_is_logged(
    world, client, method, name, per_course
):
    patient = world.one.patients[0]
    client.force_login(patient.user)
    response = getattr(client, method)(url(name, world.one.courses[0] if per_course else None))
    assert response.status_code == 403
    assert AccessEvent.objects.filter(actor=patient.user, action="denied").exists()


@pytest.mark.parametrize("method, name", [(m, n) for m, n, per in STAFF_PAGES if per])
@pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.THERAPIST, Role.NURSE])
def test_staff_of_another_clinic_get_not_found(world, staff_client, method, name, role):
    outsider = staff_client(world.two.staff[role])
    response = getattr(outsider, method)(url(name, world.one.courses[0]))
    assert response.status_code == 404


def test_own_clinic_staff_open_the_review(world, staff_client):
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    assert prescriber.get(url("intake:review", world.one.courses[0])).status_code == 200


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_staff_are_refused_patient_pages(world, staff_client, name):
    staff = staff_client(world.one.staff[Role.PRESCRIBER])
    assert staff.get(url(name)).status_code == 403


@pytest.mark.parametrize("name", [*PATIENT_PAGES, "intake:step"])
def test_anonymous_visitors_cannot_open_the_wizard(world, client, name):
    target = reverse(name, args=["about"]) if name == "intake:step" else url(name)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_patient_only_ever_edits_their_own_intake(world, client):
    """The wizard takes no ids: it always works on the signed-in patient's own course."""
    mine, theirs = world.one.courses
    mine.start_intake(mine.patient.user)
    theirs.start_intake(theirs.patient.user)
    client.force_login(mine.patient.user)
    client.post(reverse("intake:step", args=["goals"]), {"goals": "Sleep again.", "support": ""})
    assert IntakeRecord.objects.get(course=mine).answers["goals"]["goals"] == "Sleep again."
    theirs_record = IntakeRecord.objects.filter(course=theirs).first()
    assert theirs_record is None or "goals" not in theirs_record.answers


@pytest.mark.parametrize("who", ["patient", "other clinic"])
def test_safety_flags_are_resolved_only_by_own_clinic_staff(world, client, staff_client, who):
    flag, _ = SafetyFlag.raise_for(world.one.courses[0], source="Intake PHQ-9", reason="q9 = 1")
    if who == "patient":
        client.force_login(world.one.patients[0].user)
        actor, expected = client, 403
    else:
        actor, expected = staff_client(world.two.staff[Role.PRESCRIBER]), 404
    response = actor.post(
        reverse("clinic:resolve-flag", args=[flag.pk]), {"action_taken": "Not mine to resolve."}
    )
    assert response.status_code == expected
    flag.refresh_from_db()
    assert flag.is_open
