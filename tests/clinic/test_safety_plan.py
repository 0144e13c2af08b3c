"""The safety plan (Stanley-Brown structure): written with the patient, versioned, and seen by
its patient on their phone and by no other patient (issue 15)."""

import re

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import risk
from kapclinic.clinic.models import Role, SafetyPlan
from kapclinic.clinic.models.risk import SAFETY_PLAN_STEPS
from tests.samples import SAFETY_PLAN

pytestmark = pytest.mark.django_db


def write_plan(world, **changes):
    side = world.one
    return risk.save_safety_plan(
        side.courses[0], side.staff[Role.THERAPIST].user, {**SAFETY_PLAN, **changes}
    )


def test_each_change_is_a_new_version_and_the_old_one_is_kept(world):
    first = write_plan(world)
    second = write_plan(world, people_to_ask="My sister Ana; my friend Joe.")
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.people_to_ask == SAFETY_PLAN["people_to_ask"]
    assert SafetyPlan.objects.current_for(world.one.patients[0]) == second
    with pytest.raises(ValueError, match="write-once"):
        first.save()


def test_a_plan_needs_every_step_and_the_patient(world):
    with pytest.raises(risk.RiskError, match="Warning signs") as error:
        write_plan(world, warning_signs=" ")
    assert error.value.field == "warning_signs"
    with pytest.raises(risk.RiskError, match="with the patient"):
        write_plan(world, written_with_patient=False)
    assert not SafetyPlan.objects.exists()


def test_only_a_clinician_of_the_clinic_writes_it(world):
    course = world.one.courses[0]
    for user in (world.one.staff[Role.CLINIC_ADMIN].user, world.two.staff[Role.PRESCRIBER].user):
        with pytest.raises(risk.RiskError):
            risk.save_safety_plan(course, user, SAFETY_PLAN)


def test_the_safety_plan_is_visible_to_its_patient_and_no_other(world, client, second_client):
    write_plan(world)
    owner, other = world.one.patients
    client.force_login(owner.user)
    home = client.get(reverse("clinic:my-journey")).text
    assert reverse("clinic:my-safety-plan") in home
    page = client.get(reverse("clinic:my-safety-plan")).text
    assert SAFETY_PLAN["people_to_ask"] in page and SAFETY_PLAN["safer_environment"] in page
    assert AccessEvent.objects.filter(
        patient_id=owner.pk, what="own safety plan", action="view"
    ).exists()
    second_client.force_login(other.user)
    assert (
        reverse("clinic:my-safety-plan") not in second_client.get(reverse("clinic:my-journey")).text
    )
    page = second_client.get(reverse("clinic:my-safety-plan")).text
    assert SAFETY_PLAN["people_to_ask"] not in page and "do not have a safety plan" in page
    assert not SafetyPlan.objects.visible_to(other.user).exists()
    assert SafetyPlan.objects.visible_to(owner.user).count() == 1


def test_staff_write_a_new_version_on_the_page_and_another_clinic_gets_404(world, staff_client):
    course = world.one.courses[0]
    url = reverse("clinic:safety-plan", args=[course.pk])
    outsider = staff_client(world.two.staff[Role.PRESCRIBER])
    assert outsider.get(url).status_code == 404
    client = staff_client(world.one.staff[Role.THERAPIST])
    data = {**SAFETY_PLAN, "written_with_patient": "on", "coping_strategies": ""}
    response = client.post(url, data)
    assert response.status_code == 422 and "This field is required" in response.text
    response = client.post(url, {**data, "coping_strategies": "Music <b>loud</b>."})
    assert response.status_code == 302
    page = client.get(url).text
    assert "Current plan: version 1" in page and "Music &lt;b&gt;loud&lt;/b&gt;." in page
    assert AccessEvent.objects.filter(patient_id=course.patient_id, what="safety plan").exists()
    # The form for the next version starts from the current one.
    assert "My sister Ana" in page
    assert [name for name, _ in SAFETY_PLAN_STEPS][0] == "warning_signs"


def test_the_safety_plan_pages_run_a_bounded_number_of_queries(
    world, staff_client, client, django_assert_max_num_queries
):
    for _ in range(3):
        write_plan(world)
    staff = staff_client(world.one.staff[Role.THERAPIST])
    url = reverse("clinic:safety-plan", args=[world.one.courses[0].pk])
    staff.get(url)
    with django_assert_max_num_queries(12):
        assert staff.get(url).status_code == 200
    staff.logout()
    client.force_login(world.one.patients[0].user)
    client.get(reverse("clinic:my-safety-plan"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("clinic:my-safety-plan")).status_code == 200


def test_the_patients_plan_has_a_heading_between_the_page_title_and_its_steps(world, client):
    """Screen-reader users move by headings: the steps (h3) sit under an h2, never straight
    under the page's h1 (axe: heading-order)."""
    write_plan(world)
    client.force_login(world.one.patients[0].user)
    page = client.get(reverse("clinic:my-safety-plan")).text
    levels = re.findall(r"<h([1-6])\b", page[page.index("<main") :])
    assert levels[:3] == ["1", "2", "3"], levels
