"""The REMS pages: staff of the clinic only, reads audit-logged, overdue forms listed, the
enrolment signed by a prescriber, the submission recorded by staff; a bounded query count."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.rems.models import Enrolment, MonitoringForm
from kapclinic.rems.services import generate_monitoring_form, overdue_count
from tests.factories import AppointmentFactory, CourseFactory, PatientFactory
from tests.reminders.conftest import at, run_scan

from .conftest import certify, enrol

pytestmark = pytest.mark.django_db

FIELDS = {"patient": "A patient", "total_mg": "56", "device_count": 2, "lots": ["SPR-1"]}


def form_for(course, session_on):
    appointment = AppointmentFactory(
        course=course,
        starts_at=timezone.now() - datetime.timedelta(days=30),
    )
    return generate_monitoring_form(appointment, session_on=session_on, fields=FIELDS)


def days_ago(days, clinic=None):
    """A day in the clinic's own calendar (the page counts the 7 days there)."""
    today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
    return today - datetime.timedelta(days=days)


def test_an_overdue_form_is_listed_on_the_rems_page(world, staff_client):
    side = world.one
    overdue = form_for(side.courses[0], days_ago(8, side.clinic))
    due = form_for(side.courses[1], days_ago(7, side.clinic))  # the seventh day: still in time
    client = staff_client(side.staff[Role.NURSE])
    page = client.get(reverse("rems:overview"))
    assert page.status_code == 200
    assert page.context["overdue"] == [overdue]
    assert page.context["waiting"] == [due]
    assert "No certification in force" in page.text
    assert AccessEvent.objects.filter(what__startswith="Spravato REMS page").exists()


def test_the_rems_page_runs_a_fixed_number_of_queries(
    world, staff_client, django_assert_max_num_queries
):
    side = world.one
    certify(side.clinic)
    client = staff_client(side.staff[Role.PRESCRIBER])
    client.get(reverse("rems:overview"))  # warm the session and the provider
    for number in range(6):
        course = CourseFactory(patient=PatientFactory(clinic=side.clinic))
        form_for(course, days_ago(2 + 3 * number))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("rems:overview")).status_code == 200


def test_another_clinic_sees_neither_the_form_nor_its_patients_enrolment(world, staff_client):
    form = form_for(world.one.courses[0], days_ago(8))
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    assert client.get(reverse("rems:monitoring-form", args=[form.pk])).status_code == 404
    url = reverse("rems:enrolment", args=[world.one.courses[0].patient_id])
    assert client.get(url).status_code == 404
    assert client.get(reverse("reports:rems-monitoring-form", args=[form.pk])).status_code == 404
    assert client.get(reverse("rems:overview")).context["overdue"] == []


def test_a_patient_is_refused_the_rems_pages(world, client):
    course = world.one.courses[0]
    form = form_for(course, days_ago(8))
    client.force_login(course.patient.user)
    assert client.get(reverse("rems:overview")).status_code == 403
    assert client.get(reverse("rems:monitoring-form", args=[form.pk])).status_code == 403


def test_a_prescriber_records_and_signs_the_enrolment_a_nurse_cannot(world, staff_client):
    side = world.one
    patient = side.courses[0].patient
    url = reverse("rems:enrolment", args=[patient.pk])
    today = timezone.localdate(timezone=side.clinic.tz)
    data = {
        "enrolment_id": "PT-4455",
        "enrolled_on": today.isoformat(),
        "patient_signed_on": (today - datetime.timedelta(days=1)).isoformat(),
    }
    nurse = staff_client(side.staff[Role.NURSE])
    refused = nurse.post(url, data)
    assert refused.status_code == 422 and "A prescriber signs" in refused.text
    assert not Enrolment.objects.exists()

    prescriber = side.staff[Role.PRESCRIBER]
    client = staff_client(prescriber)
    assert client.post(url, data).status_code == 302
    enrolment = Enrolment.objects.get(patient=patient)
    assert enrolment.prescriber == prescriber.user and enrolment.enrolment_id == "PT-4455"
    again = client.post(url, {**data, "enrolment_id": "PT-0000"})
    assert again.status_code == 422 and "already recorded" in again.text
    page = client.get(url)
    assert "PT-4455" in page.text and "Record and sign" not in page.text
    assert AccessEvent.objects.filter(patient=patient, what__startswith="REMS enrolment").exists()


def test_a_nurse_records_the_day_the_form_was_submitted(world, staff_client):
    side = world.one
    form = form_for(side.courses[0], days_ago(8))
    client = staff_client(side.staff[Role.NURSE])
    url = reverse("rems:monitoring-form", args=[form.pk])
    assert "Overdue" in client.get(url).text
    response = client.post(url, {"submitted_on": days_ago(1, side.clinic).isoformat()})
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.submitted_on == days_ago(1, side.clinic)
    assert form.submitted_recorded_by == side.staff[Role.NURSE].user
    assert client.get(reverse("rems:overview")).context["overdue"] == []


def test_an_overdue_form_appears_in_the_daily_digest(world):
    side = world.one
    now = at(2030, 6, 3, 6, 30)  # 07:30 BST, the digest time
    form_for(side.courses[0], datetime.date(2030, 5, 25))  # 9 days before
    assert overdue_count(side.clinic.pk, now) == 1
    run_scan(now)
    prescriber = side.staff[Role.PRESCRIBER].user.email
    message = next(m for m in mail.outbox if prescriber in m.to and "summary" in m.subject)
    assert "REMS monitoring forms overdue (7 days): 1" in message.body


def test_a_form_within_seven_days_is_not_overdue_in_the_digest(world):
    side = world.one
    form_for(side.courses[0], datetime.date(2030, 5, 27))  # 7 days before: due today
    assert overdue_count(side.clinic.pk, at(2030, 6, 3, 6, 30)) == 0
    assert MonitoringForm.objects.count() == 1


def test_each_landmark_on_the_rems_page_has_its_own_name(world, staff_client):
    """A screen reader lists landmarks by name: the enrolments card and the scrolling table
    inside it were both "Enrolled patients" (axe: landmark-unique)."""
    side = world.one
    enrol(side.courses[0].patient, side.staff[Role.PRESCRIBER].user)
    page = staff_client(side.staff[Role.NURSE]).get(reverse("rems:overview")).text
    headings = dict(re.findall(r'<h2[^>]*id="([^"]+)"[^>]*>(.*?)</h2>', page, re.S))
    names = [headings[i] for i in re.findall(r'<section[^>]*aria-labelledby="([^"]+)"', page)]
    names += re.findall(r'role="region" aria-label="([^"]+)"', page)
    assert "Enrolled patients" in names
    assert len(names) == len(set(names)), names
