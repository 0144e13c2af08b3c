"""Staff see who still has to sign a consent before their next session, in bounded queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import ConsentDocument
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import clear_course, sign_consent
from tests.factories import AppointmentFactory, CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db


def cleared_and_signed(world, patient=None):
    course = CourseFactory(patient=patient or PatientFactory(clinic=world.one.clinic))
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    sign_consent(course)
    return course


def count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_caseload_badges_patients_to_re_sign_in_a_fixed_number_of_queries(world, staff_client):
    client = staff_client(world.one.staff[Role.NURSE])
    first = cleared_and_signed(world)
    url = reverse("clinic:caseload")
    client.get(url)
    before, page = count(client, url)
    assert "to sign" not in page
    ConsentDocument.objects.create(clinic=world.one.clinic, version="2.0", body="New.")
    one, page = count(client, url)
    assert "Consent v2.0 to sign" in page and first.patient.display_name in page
    for _ in range(10):
        cleared_and_signed(world)
    many, page = count(client, url)
    assert page.count("Consent v2.0 to sign") == 11
    assert many == one <= before + 2  # the versions in effect and the page's signatures


def test_chart_names_the_version_missing(world, staff_client):
    course = cleared_and_signed(world)
    ConsentDocument.objects.create(clinic=world.one.clinic, version="2.0", body="New.")
    client = staff_client(world.one.staff[Role.THERAPIST])
    page = client.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()
    assert "Before the next session" in page
    assert "has not signed the current version 2.0 (they signed version 1.0)" in page


def test_my_day_badges_the_appointment_in_a_fixed_number_of_queries(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    start = timezone.now().replace(hour=12, minute=0) + timedelta(days=1)
    local_day = timezone.localdate(start, world.one.clinic.tz)
    day = reverse("dosing:day") + f"?date={local_day.isoformat()}"

    def book(course, minutes):
        at = start + timedelta(minutes=minutes)
        end = at + timedelta(minutes=5)
        AppointmentFactory(course=course, clinician=nurse, starts_at=at, ends_at=end)

    book(cleared_and_signed(world), 0)
    ConsentDocument.objects.create(clinic=world.one.clinic, version="2.0", body="New.")
    client.get(day)
    one, page = count(client, day)
    assert page.count("Consent v2.0 to sign") == 1
    for n in range(5):
        book(cleared_and_signed(world), 10 * (n + 1))
    many, page = count(client, day)
    assert page.count("Consent v2.0 to sign") == 6 and many == one


def test_chart_timeline_links_each_signature_to_its_pdf_and_shows_a_withdrawal(world, staff_client):
    from intake.consent import withdraw_consent

    course = cleared_and_signed(world)
    signature = course.consent_signatures.get()
    withdraw_consent(signature, by=course.patient.user, reason="Moving abroad.")
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    page = client.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()
    assert reverse("reports:signed-consent", args=[signature.pk]) in page
    assert "Consent withdrawn" in page and "Moving abroad." in page


def test_caseload_hint_never_hides_a_consent_due_and_spares_the_queries_when_all_signed(world):
    """The caseload reads "may a consent be due" with its own query; a course it rules out
    owes nothing (checked against the full rule), and a page of such courses spares the two
    consent queries."""
    from intake.badges import HINT
    from intake.consent import due_for_courses, withdraw_consent
    from intake.models import ConsentKind
    from kapclinic.clinic.selectors import caseload

    clinic = world.one.clinic
    user = world.one.staff[Role.NURSE].user
    signed = cleared_and_signed(world)
    rows = {course.pk: course for course in caseload(user)}
    assert getattr(rows[signed.pk], HINT) is False
    with CaptureQueriesContext(connection) as captured:
        assert due_for_courses([c for c in rows.values() if getattr(c, HINT)]) == {}
    assert len(captured) == 0

    withdrawn = cleared_and_signed(world)
    signature = withdrawn.consent_signatures.get()
    withdraw_consent(signature, by=withdrawn.patient.user, reason="")
    ConsentDocument.objects.create(
        clinic=clinic, version="1.1", body="Typo fixed.", resign_required=False
    )
    ConsentDocument.objects.create(
        clinic=clinic,
        version="9.0",
        body="Next month's text.",
        effective_from=timezone.localdate() + timedelta(days=30),
    )
    on_new = cleared_and_signed(world)
    sign_consent(on_new, "1.1")
    scenarios = [signed, withdrawn, on_new]
    rows = {course.pk: course for course in caseload(user)}
    due = due_for_courses([rows[c.pk] for c in scenarios])
    assert set(due) == {withdrawn.pk}
    assert all(getattr(rows[pk], HINT) for pk in due)
    assert getattr(rows[on_new.pk], HINT) is False  # signed the version in effect

    ConsentDocument.objects.create(
        clinic=clinic, kind=ConsentKind.TELEHEALTH, title="Telehealth", version="1.0", body="."
    )
    ConsentDocument.objects.create(clinic=clinic, version="2.0", body="New.")
    rows = {course.pk: course for course in caseload(user)}
    due = due_for_courses([rows[c.pk] for c in scenarios])
    assert set(due) == {c.pk for c in scenarios}
    assert all(getattr(rows[pk], HINT) for pk in due)
