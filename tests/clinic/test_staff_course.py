"""Every course page first reads the course through `staff_course`: for staff its SQL is built
once per process, and it still refuses what the scoped read refuses."""

import pytest
from django.forms.models import model_to_dict
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from kapclinic.clinic.mixins import staff_course
from kapclinic.clinic.models import Role, TreatmentCourse
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def asked_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_staff_read_their_clinics_course_with_its_patient_and_clinic(
    world, django_assert_num_queries
):
    course = world.one.courses[0]
    nurse = world.one.staff[Role.NURSE].user
    staff_course(asked_by(nurse), course.pk)  # the first read builds the statement
    with django_assert_num_queries(1):
        found = staff_course(asked_by(nurse), course.pk)
        patient, clinic = found.patient, found.patient.clinic
    expected = TreatmentCourse.objects.select_related("patient__clinic", "clinic").get(pk=course.pk)
    assert model_to_dict(found) == model_to_dict(expected)
    assert model_to_dict(patient) == model_to_dict(expected.patient)
    assert clinic == expected.clinic == found.clinic


def test_another_clinics_course_or_no_course_is_not_there(world):
    mine, theirs = world.one.courses[0], world.two.courses[0]
    nurse = world.one.staff[Role.NURSE].user
    assert staff_course(asked_by(nurse), mine.pk) == mine
    for pk in (theirs.pk, 10**9):
        with pytest.raises(Http404):
            staff_course(asked_by(nurse), pk)
    # The other clinic's staff, after this clinic's statement was built: their own only.
    other = world.two.staff[Role.NURSE].user
    assert staff_course(asked_by(other), theirs.pk) == theirs
    with pytest.raises(Http404):
        staff_course(asked_by(other), mine.pk)


def test_a_superuser_reads_any_clinics_course_and_a_patient_none(world, staff_client):
    theirs = world.two.courses[0]
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert staff_course(asked_by(admin), theirs.pk) == theirs
    with pytest.raises(Http404):
        staff_course(asked_by(world.one.patients[0].user), theirs.pk)
    # The page refuses another clinic's course as before.
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    assert client.get(reverse("integration:outcomes", args=[theirs.pk])).status_code == 404
