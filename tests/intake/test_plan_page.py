"""The treatment plan page: the care team reads the version in force and the earlier ones; a
prescriber signs a revision with a reason (issue 14: plans change only by a signed revision)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.models import PlanRevision
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import clear_course

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="request_key" value="([0-9a-f-]{36})"')


@pytest.fixture
def planned(world):
    side = world.one
    side.course = side.courses[0]
    clear_course(side.course, side.staff[Role.PRESCRIBER].user)
    side.url = reverse("intake:plan", args=[side.course.pk])
    return side


def revision_data(page, **changes):
    return {
        "route": "sublingual",
        "product": "racemic_ketamine",
        "dose_min_mg": "100",
        "dose_max_mg": "150",
        "planned_dosing_sessions": "6",
        "integration_cadence": "Weekly",
        "goals": "",
        "reason": "Dizziness at 200 mg: lower ceiling agreed with the patient.",
        "request_key": KEY.search(page.text).group(1),
        **changes,
    }


def test_a_prescriber_signs_a_revision_and_the_first_version_stays(planned, staff_client):
    client = staff_client(planned.staff[Role.PRESCRIBER])
    page = client.get(planned.url)
    assert page.status_code == 200 and "In force: version 1" in page.text
    response = client.post(planned.url, revision_data(page))
    assert response.status_code == 302
    revision = PlanRevision.objects.get()
    assert (revision.version, revision.dose_max_mg) == (2, 150)
    assert revision.signed_by == planned.staff[Role.PRESCRIBER].user
    page = client.get(planned.url).text
    assert "In force: version 2" in page and "Version 1" in page and "Dizziness at 200 mg" in page
    assert AccessEvent.objects.filter(what="treatment plan", action="view").exists()


def test_the_same_revision_sent_twice_is_signed_once(planned, staff_client):
    client = staff_client(planned.staff[Role.PRESCRIBER])
    data = revision_data(client.get(planned.url))
    assert client.post(planned.url, data).status_code == 302
    second = client.post(planned.url, data)
    assert second.status_code == 409 and "Nothing new was saved." in second.text
    assert PlanRevision.objects.count() == 1


def test_bad_input_is_refused_beside_the_field(planned, staff_client):
    client = staff_client(planned.staff[Role.PRESCRIBER])
    page = client.get(planned.url)
    response = client.post(planned.url, revision_data(page, reason="", dose_min_mg="abc"))
    assert response.status_code == 422
    assert response.text.count("form-field--error") >= 2
    response = client.post(planned.url, revision_data(page, dose_min_mg="300"))
    assert response.status_code == 422 and not PlanRevision.objects.exists()


@pytest.mark.parametrize("role", [Role.NURSE, Role.THERAPIST])
def test_the_care_team_reads_the_plan_but_only_a_prescriber_revises(planned, staff_client, role):
    prescriber_page = staff_client(planned.staff[Role.PRESCRIBER]).get(planned.url)
    client = staff_client(planned.staff[role])
    page = client.get(planned.url)
    assert page.status_code == 200 and "In force: version 1" in page.text
    assert "Sign the revised plan" not in page.text
    response = client.post(planned.url, revision_data(prescriber_page))
    assert response.status_code == 422 and not PlanRevision.objects.exists()
    assert "Only a prescriber of this clinic may revise a treatment plan." in response.text


def test_another_clinic_gets_404(planned, world, staff_client):
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    assert client.get(planned.url).status_code == 404


def test_the_plan_page_runs_a_bounded_number_of_queries(planned, staff_client):
    from intake.plans import revise_plan

    client = staff_client(planned.staff[Role.PRESCRIBER])
    client.get(planned.url)
    with CaptureQueriesContext(connection) as few:
        client.get(planned.url)
    for number in range(5):
        revise_plan(
            planned.course,
            planned.staff[Role.PRESCRIBER].user,
            {"dose_max_mg": 150 + number},
            f"Change {number}.",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(planned.url)
    assert len(many) == len(few)


def test_the_admin_shows_a_revision_as_signed_plan_and_version_before_its_terms(
    planned, staff_client, superuser, enrol_mfa
):
    client = staff_client(planned.staff[Role.PRESCRIBER])
    client.post(planned.url, revision_data(client.get(planned.url)))
    revision = PlanRevision.objects.get()
    enrol_mfa(superuser)
    client.force_login(superuser)
    page = client.get(reverse("admin:intake_planrevision_change", args=[revision.pk]))
    assert page.status_code == 200
    shown = [field for fieldset in page.context["adminform"] for line in fieldset for field in line]
    names = [field.field["name"] for field in shown]
    assert names[:3] == ["plan", "version", "route"]
    assert names[-3:] == ["reason", "signed_by", "signed_at"]


def test_a_revision_past_the_protocols_session_maximum_is_refused_beside_the_dose(
    planned, staff_client
):
    client = staff_client(planned.staff[Role.PRESCRIBER])
    page = client.get(planned.url)
    response = client.post(planned.url, revision_data(page, dose_max_mg="4000"))
    assert response.status_code == 422
    assert response.context["form"].errors["dose_max_mg"] == [
        "The protocol allows at most 400 mg a session: no reason or override passes it."
    ]
    assert not PlanRevision.objects.exists()
