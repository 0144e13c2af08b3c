"""The calendar's request pages: wiring, who may open them, escaping, and the slots page."""

import datetime

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.calendar import requests as services
from kapclinic.calendar.models import AppointmentRequest, OpenSlot
from kapclinic.clinic.models import Appointment

from .conftest import integration_of, tomorrow_at
from .test_requests import answers_sent

pytestmark = pytest.mark.django_db

MARKUP = '<script>alert("x")</script>'


def patient_client(client, dosed):
    client.force_login(dosed.patient.user)
    return client


def test_the_patient_asks_for_a_slot_on_the_page_and_nothing_is_booked(dosed, client):
    phone = patient_client(client, dosed)
    page = phone.get(reverse("calendar:ask"))
    assert page.status_code == 200
    assert f'value="{dosed.slot.pk}"' in page.content.decode()

    response = phone.post(reverse("calendar:ask"), {"slot": dosed.slot.pk, "note": MARKUP})

    assert response.status_code == 302
    request = AppointmentRequest.objects.get()
    assert request.note == MARKUP
    assert not Appointment.objects.filter(kind=Appointment.Kind.INTEGRATION).exists()
    text = phone.get(reverse("calendar:ask")).content.decode()
    assert "Waiting for the clinic" in text and MARKUP not in text
    assert "&lt;script&gt;" in text


def test_a_slot_gone_is_said_beside_the_choice(dosed, client):
    phone = patient_client(client, dosed)
    OpenSlot.objects.filter(pk=dosed.slot.pk).update(active=False)
    response = phone.post(reverse("calendar:ask"), {"slot": dosed.slot.pk})
    assert response.status_code == 422
    assert "no longer free" in response.content.decode()
    assert not AppointmentRequest.objects.exists()


def test_a_request_sent_without_a_time_focuses_what_to_fix_and_links_the_choice(dosed, client):
    """Sent from the foot of a long list of times with none chosen, the page came back at
    its top with focus on the body: now the summary takes focus and links the first time."""
    from tests.clinic.test_refusals_take_focus import SUMMARY

    phone = patient_client(client, dosed)
    body = phone.post(reverse("calendar:ask"), {"note": "Mornings suit me."}).content.decode()
    assert SUMMARY.search(body)
    assert f'href="#slot-{dosed.slot.pk}"' in body
    assert "Mornings suit me." in body
    assert not AppointmentRequest.objects.exists()


def test_staff_accept_on_the_request_page_books_and_emails(dosed, staff_client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot, note=MARKUP)
    desk = staff_client(dosed.admin)
    inbox = desk.get(reverse("calendar:requests")).content.decode()
    assert "1 waiting" in inbox and dosed.patient.display_name in inbox
    page = desk.get(reverse("calendar:request", args=[request.pk]))
    assert page.status_code == 200
    assert MARKUP not in page.content.decode()
    assert AccessEvent.objects.filter(
        patient_id=dosed.patient.pk, what=f"appointment request {request.pk}", action="view"
    ).exists()

    response = desk.post(reverse("calendar:request", args=[request.pk]), {"action": "accept"})

    assert response.status_code == 302
    assert Appointment.objects.filter(kind=Appointment.Kind.INTEGRATION).count() == 1
    assert len(answers_sent()) == 1


def test_a_clash_on_accept_is_shown_in_words_on_the_page(dosed, staff_client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    integration_of(dosed.other_course, dosed.slot.starts_at, clinician=dosed.therapist)
    desk = staff_client(dosed.admin)
    response = desk.post(reverse("calendar:request", args=[request.pk]), {"action": "accept"})
    assert response.status_code == 422
    assert "Nothing was booked" in response.content.decode()


def test_propose_on_the_page_then_the_patient_accepts_on_theirs(dosed, staff_client, second_client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    desk = staff_client(dosed.prescriber)
    offered = tomorrow_at(dosed.clinic, 15)
    response = desk.post(
        reverse("calendar:request", args=[request.pk]),
        {
            "action": "propose",
            "propose-date": offered.date().isoformat(),
            "propose-start_time": "15:00",
            "propose-duration_minutes": "60",
            "propose-clinician": "",
            "propose-response": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    phone = patient_client(second_client, dosed)
    assert "Accept this time" in phone.get(reverse("calendar:ask")).content.decode()
    phone.post(reverse("calendar:answer-offer", args=[request.pk]), {"answer": "accept"})
    booked = Appointment.objects.get(kind=Appointment.Kind.INTEGRATION)
    assert booked.starts_at == offered


def test_patients_are_refused_staff_pages_and_staff_patient_pages(dosed, client, staff_client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    phone = patient_client(client, dosed)
    for url in (
        reverse("calendar:requests"),
        reverse("calendar:request", args=[request.pk]),
        reverse("calendar:slots"),
    ):
        assert phone.get(url).status_code == 403
    desk = staff_client(dosed.admin)
    assert desk.get(reverse("calendar:ask")).status_code == 403
    assert desk.post(reverse("calendar:withdraw-request", args=[request.pk])).status_code == 403


def test_another_patients_request_and_appointment_are_not_there(dosed, client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    session = integration_of(dosed.course, tomorrow_at(dosed.clinic, 12, days=3))
    client.force_login(dosed.other_course.patient.user)
    assert client.post(reverse("calendar:withdraw-request", args=[request.pk])).status_code == 404
    assert client.get(reverse("calendar:ask-to-move", args=[session.pk])).status_code == 404
    request.refresh_from_db()
    assert request.status == AppointmentRequest.Status.REQUESTED


def test_another_clinics_staff_find_no_request(dosed, staff_client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    desk = staff_client(dosed.outsider)
    assert desk.get(reverse("calendar:request", args=[request.pk])).status_code == 404
    assert dosed.patient.display_name not in desk.get(reverse("calendar:requests")).content.decode()


def test_staff_publish_a_block_of_slots_and_unpublish_one(dosed, staff_client):
    desk = staff_client(dosed.admin)
    day = tomorrow_at(dosed.clinic, 9, days=2).date()
    response = desk.post(
        reverse("calendar:slots"),
        {"date": day.isoformat(), "times": "09:00, 10:30 13:00", "duration_minutes": "60"},
    )
    assert response.status_code == 302
    published = OpenSlot.objects.filter(starts_at__date__gte=day).order_by("starts_at")
    assert published.count() == 3
    first = published.first()
    desk.post(reverse("calendar:unpublish-slot", args=[first.pk]))
    first.refresh_from_db()
    assert not first.active


def test_overlapping_or_unreadable_times_are_refused_beside_the_field(dosed, staff_client):
    desk = staff_client(dosed.admin)
    day = (tomorrow_at(dosed.clinic, 9, days=2)).date().isoformat()
    for times, words in (("09:00 09:30", "space them out"), ("nine", "is not a time")):
        response = desk.post(
            reverse("calendar:slots"), {"date": day, "times": times, "duration_minutes": "60"}
        )
        assert response.status_code == 422 and words in response.content.decode()
    assert OpenSlot.objects.count() == 2  # the fixture's two


def test_the_home_page_offers_asking_and_then_shows_the_request(dosed, client):
    phone = patient_client(client, dosed)
    home = phone.get(reverse("clinic:my-journey")).content.decode()
    assert "Ask for a time for your next integration session" in home
    services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    home = phone.get(reverse("clinic:my-journey")).content.decode()
    assert "Waiting for the clinic" in home


def test_ask_to_move_is_offered_beside_an_upcoming_integration_session(dosed, client):
    session = integration_of(
        dosed.course, tomorrow_at(dosed.clinic, 12, days=3) + datetime.timedelta(0)
    )
    phone = patient_client(client, dosed)
    home = phone.get(reverse("clinic:my-journey")).content.decode()
    assert reverse("calendar:ask-to-move", args=[session.pk]) in home
    page = phone.get(reverse("calendar:ask-to-move", args=[session.pk])).content.decode()
    assert "Ask to move your appointment" in page


def test_the_inbox_and_ask_pages_run_a_bounded_number_of_queries(
    dosed, staff_client, second_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import slot_at

    def count(client, name, bound, expect=""):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name))
        assert response.status_code == 200 and expect in response.content.decode()
        print(f"{name}: {len(captured)} queries")
        assert len(captured) <= bound, name

    for hour in range(8, 18):
        slot_at(dosed.clinic, dosed.admin.user, tomorrow_at(dosed.clinic, hour, days=3))
    services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot, note="Soon.")
    desk = staff_client(dosed.admin)
    count(desk, "calendar:requests", 12, "1 waiting")
    count(desk, "calendar:slots", 12)
    phone = patient_client(second_client, dosed)
    services.withdraw(dosed.patient.user, AppointmentRequest.objects.get())
    count(phone, "calendar:ask", 10, "Send my request")
