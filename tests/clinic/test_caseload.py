"""Caseload search (name, email, patient number) and pages of 25, in the clinic's own scope."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role
from tests.factories import CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db


def found(client, q, **params):
    response = client.get(reverse("clinic:caseload"), {"q": q, **params})
    assert response.status_code == 200
    return [course.patient for course in response.context["courses"]]


def test_search_finds_a_patient_by_email_or_number(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    target = world.one.patients[1]
    assert found(client, target.email.upper()) == [target]
    assert found(client, str(target.pk)) == [target]
    assert found(client, f"#{target.pk}") == [target]


def test_search_by_number_never_reaches_another_clinic(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    other = world.two.patients[0]
    by_number = found(client, str(other.pk))  # may match digits in a clinic-one email
    assert other not in by_number
    assert {p.clinic_id for p in by_number} <= {world.one.clinic.pk}
    assert found(client, other.email) == []


def test_the_caseload_pages_by_25_and_keeps_the_search_in_the_links(world, staff_client):
    for number in range(30):
        CourseFactory(
            patient=PatientFactory(clinic=world.one.clinic, legal_name=f"Quillfeather {number}")
        )
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    first = client.get(reverse("clinic:caseload"), {"q": "Quillfeather"})
    assert len(first.context["courses"]) == 25
    body = first.content.decode()
    assert "Page 1 of 2" in body and "?q=Quillfeather&amp;page=2" in body
    assert len(found(client, "Quillfeather", page=2)) == 5
    assert 'aria-describedby="caseload-q-hint"' in body


def test_search_and_second_page_cost_no_more_queries_with_more_patients(world, staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(world.one.staff[Role.PRESCRIBER])

    def count(params):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("clinic:caseload"), params).status_code == 200
        return len(ctx.captured_queries)

    def grow(n):
        for number in range(n):
            name = f"Ash {number} {len(world.one.patients)}"
            CourseFactory(patient=PatientFactory(clinic=world.one.clinic, legal_name=name))

    grow(30)
    small = [count({"q": "Quillfeather"}), count({"q": "Ash", "page": 2}), count({"q": "7"})]
    grow(60)
    assert [
        count({"q": "Quillfeather"}),
        count({"q": "Ash", "page": 2}),
        count({"q": "7"}),
    ] == small
