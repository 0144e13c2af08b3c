"""Which consent version is in effect is a question of the clinic's day, not the server's."""

from datetime import timedelta

import pytest
from django.urls import reverse

from intake.badges import HINT, may_be_due
from intake.consent import consent_status, due_for_courses, versions_in_effect
from intake.models import ConsentDocument, ConsentKind
from kapclinic.clinic.models import Role, TreatmentCourse
from kapclinic.clinic.selectors import caseload
from kapclinic.demo.builder import clear_course, sign_consent
from tests.clinic_day import move_to_another_day
from tests.factories import CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db


def signed_course(world):
    course = CourseFactory(patient=PatientFactory(clinic=world.one.clinic))
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    sign_consent(course)
    return course


def publish(clinic, version, effective_from, **fields):
    return ConsentDocument.objects.create(
        clinic=clinic,
        version=version,
        body=f"Version {version}.",
        effective_from=effective_from,
        **fields,
    )


def test_a_version_is_in_effect_from_the_clinics_own_day_not_the_servers(world):
    clinic = world.one.clinic
    course = signed_course(world)
    today = move_to_another_day(clinic)
    in_effect = publish(clinic, "2.0", today)
    publish(clinic, "3.0", today + timedelta(days=1))  # the clinic's tomorrow

    assert versions_in_effect(clinic)[ConsentKind.TREATMENT][-1] == in_effect
    assert list(ConsentDocument.objects.in_effect(clinic))[-1] == in_effect
    (row,) = consent_status(course)
    assert row.document == in_effect and row.due
    assert [r.document for r in due_for_courses([course])[course.pk]] == [in_effect]


def test_the_caseload_hint_never_rules_out_a_version_due_on_the_clinics_day(world):
    clinic = world.one.clinic
    course = signed_course(world)
    today = move_to_another_day(clinic)
    publish(clinic, "2.0", today)
    # Optional from the clinic's tomorrow: until then version 2.0 is the one to sign.
    publish(clinic, "3.0", today + timedelta(days=1), required_before_dosing=False)
    rows = {c.pk: c for c in caseload(world.one.staff[Role.NURSE].user)}
    assert getattr(rows[course.pk], HINT) is True
    assert due_for_courses([rows[course.pk]])[course.pk]
    # Read across clinics (no one clinic's day to go by), it is still not ruled out.
    across = TreatmentCourse.objects.annotate(hint=may_be_due()).get(pk=course.pk)
    assert across.hint is True


def test_a_version_published_without_a_date_takes_effect_on_the_clinics_today(world, staff_client):
    clinic = world.one.clinic
    today = move_to_another_day(clinic)
    published = ConsentDocument.objects.create(clinic=clinic, version="2.0", body="New.")
    assert published.effective_from == today
    assert list(ConsentDocument.objects.in_effect(clinic))[-1] == published

    admin = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    form = admin.get(reverse("admin:intake_consentdocument_add")).context["adminform"].form
    assert form.initial["effective_from"] == today
