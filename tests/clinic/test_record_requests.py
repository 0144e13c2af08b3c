"""A patient asks the clinic about their own record (a copy of the clinicians' notes, or a
correction) from their phone; a clinician of their clinic answers once, by the day the clinic
set, in words the patient reads. The rules hold from a shell as from the pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import record_requests
from kapclinic.clinic.models import RecordRequest, Role

pytestmark = pytest.mark.django_db

PAGE = "reports:my-record"
NOTES, CORRECTION = RecordRequest.Kind.NOTES, RecordRequest.Kind.CORRECTION
DONE, DECLINED = RecordRequest.Outcome.DONE, RecordRequest.Outcome.DECLINED


def test_a_patient_asks_for_their_notes_and_the_clinic_answers_by_its_day(world, client):
    patient = world.one.patients[0]
    world.one.clinic.record_request_days = 21
    world.one.clinic.save()
    client.force_login(patient.user)
    response = client.post(reverse(PAGE), {"kind": NOTES, "details": ""}, follow=True)
    asked = RecordRequest.objects.get(patient=patient)
    today = timezone.localdate(timezone=world.one.clinic.tz)
    assert asked.due_on == today + datetime.timedelta(days=21)
    html = response.content.decode()
    assert "A copy of my clinicians&#x27; notes" in html
    assert f"The clinic answers by {asked.due_on:%-d %b %Y}" in html
    assert "Waiting for the clinic" in html
    assert AccessEvent.objects.filter(
        actor=patient.user, patient=patient, action=AccessEvent.Action.CREATE
    ).exists()


def test_a_correction_says_what_is_wrong_beside_the_field(world, client):
    client.force_login(world.one.patients[0].user)
    response = client.post(reverse(PAGE), {"kind": CORRECTION, "details": "  "})
    assert response.status_code == 422
    assert "Say what is wrong, and what it should say." in response.content.decode()
    assert not RecordRequest.objects.exists()


def test_one_open_request_of_a_kind_at_a_time_even_from_a_second_tab(world, client):
    patient = world.one.patients[0]
    client.force_login(patient.user)
    client.post(reverse(PAGE), {"kind": NOTES})
    again = client.post(reverse(PAGE), {"kind": NOTES})
    assert again.status_code == 422
    assert "You asked for this on" in again.content.decode()
    # A correction is another kind: it may be asked beside it.
    client.post(reverse(PAGE), {"kind": CORRECTION, "details": "My date of birth is 3 May."})
    assert RecordRequest.objects.filter(patient=patient).count() == 2


def test_only_the_patient_asks_and_only_their_clinics_clinician_answers(world):
    patient = world.one.patients[0]
    with pytest.raises(ValidationError, match="Only the patient"):
        record_requests.ask(world.one.staff[Role.PRESCRIBER].user, NOTES)
    asked = record_requests.ask(patient.user, CORRECTION, "Wrong phone number.")
    for outsider in (world.two.staff[Role.PRESCRIBER], world.one.staff[Role.CLINIC_ADMIN]):
        with pytest.raises(ValidationError, match="Only a clinician of the patient's clinic"):
            record_requests.answer(asked, outsider.user, DONE, "Changed.")
    with pytest.raises(ValidationError, match="Only a clinician"):
        record_requests.answer(asked, world.one.patients[1].user, DONE, "Changed.")
    assert RecordRequest.objects.get().is_open


def test_a_clinician_answers_once_and_the_patient_reads_the_answer(
    world, client, second_client, staff_client
):
    patient = world.one.patients[0]
    asked = record_requests.ask(patient.user, CORRECTION, "My phone is 07700 900123.")
    therapist = staff_client(world.one.staff[Role.THERAPIST])
    listing = therapist.get(reverse("clinic:record-requests")).content.decode()
    assert patient.legal_name in listing and reverse("clinic:record-request", args=[asked.pk])
    page = therapist.get(reverse("clinic:record-request", args=[asked.pk]))
    assert "My phone is 07700 900123." in page.content.decode()
    assert AccessEvent.objects.filter(
        actor=therapist_user(world), patient=patient, action=AccessEvent.Action.VIEW
    ).exists()
    empty = therapist.post(reverse("clinic:record-request", args=[asked.pk]), {"outcome": DONE})
    assert empty.status_code == 422 and "This field is required." in empty.content.decode()
    done = therapist.post(
        reverse("clinic:record-request", args=[asked.pk]),
        {"outcome": DONE, "answer": "Your phone number is corrected on your record."},
    )
    assert done.status_code == 302
    twice = therapist.post(
        reverse("clinic:record-request", args=[asked.pk]),
        {"outcome": DECLINED, "answer": "No."},
    )
    assert "This request was answered on" in twice.content.decode()
    second_client.force_login(patient.user)
    mine = second_client.get(reverse(PAGE)).content.decode()
    assert "Your phone number is corrected on your record." in mine
    assert RecordRequest.objects.get().outcome == DONE


def test_a_declined_correction_says_why(world):
    asked = record_requests.ask(world.one.patients[0].user, CORRECTION, "Remove my diagnosis.")
    prescriber = world.one.staff[Role.PRESCRIBER].user
    with pytest.raises(ValidationError, match="Say why, for the patient."):
        record_requests.answer(asked, prescriber, DECLINED, " ")
    record_requests.answer(asked, prescriber, DECLINED, "The diagnosis is accurate.")
    assert RecordRequest.objects.get().answer == "The diagnosis is accurate."


def test_another_clinics_request_is_not_there(world, staff_client):
    asked = record_requests.ask(world.one.patients[0].user, NOTES)
    outsider = staff_client(world.two.staff[Role.PRESCRIBER])
    assert outsider.get(reverse("clinic:record-request", args=[asked.pk])).status_code == 404
    assert (
        world.one.patients[0].legal_name
        not in outsider.get(reverse("clinic:record-requests")).content.decode()
    )


def test_an_overdue_request_shows_as_overdue(world, staff_client):
    asked = record_requests.ask(world.one.patients[0].user, NOTES)
    RecordRequest.objects.filter(pk=asked.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = staff_client(world.one.staff[Role.PRESCRIBER]).get(reverse("clinic:record-requests"))
    assert 'badge--danger">Overdue' in page.content.decode()


def therapist_user(world):
    return world.one.staff[Role.THERAPIST].user


def test_the_clinicians_digest_counts_requests_due_within_a_week(world):
    from kapclinic.reminders.digest import digest_counts

    asked = record_requests.ask(world.one.patients[0].user, NOTES)
    now = timezone.now()
    assert digest_counts(world.one.clinic.pk, now)["record_requests_due"] == 0  # 30 days off
    RecordRequest.objects.filter(pk=asked.pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    assert digest_counts(world.one.clinic.pk, now)["record_requests_due"] == 1
    assert digest_counts(world.two.clinic.pk, now)["record_requests_due"] == 0
    record_requests.answer(asked, world.one.staff[Role.NURSE].user, DONE, "Posted to you.")
    assert digest_counts(world.one.clinic.pk, now)["record_requests_due"] == 0


def test_the_clinics_list_reads_in_the_same_queries_however_many_requests(world, staff_client):
    client = staff_client(world.one.staff[Role.THERAPIST])
    record_requests.ask(world.one.patients[0].user, NOTES)
    client.get(reverse("clinic:record-requests"))  # warm: the layout is drawn once per process
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("clinic:record-requests"))
    record_requests.ask(world.one.patients[0].user, CORRECTION, "Wrong address.")
    asked = record_requests.ask(world.one.patients[1].user, NOTES)
    record_requests.answer(asked, world.one.staff[Role.PRESCRIBER].user, DONE, "Posted.")
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("clinic:record-requests"))
    assert page.content.decode().count("Answer<span") == 2
    assert len(three) == len(one)
