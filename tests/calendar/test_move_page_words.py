"""The "Ask to move" page while a request for another session waits (walk of 7 Dec 2026,
docs/walks/2026-12-07-patient-on-a-phone.md): it said "Your request … You asked for …" under
"Ask to move your appointment", as if the move had been asked for."""

import pytest
from django.urls import reverse

from .conftest import integration_of, tomorrow_at
from .test_requests import ask

pytestmark = pytest.mark.django_db


def test_the_move_page_says_the_waiting_request_is_not_the_move(dosed, client):
    session = integration_of(dosed.course, tomorrow_at(dosed.clinic, 12, days=3), dosed.therapist)
    ask(dosed)  # a next session, not a move
    client.force_login(dosed.patient.user)
    page = client.get(reverse("calendar:ask-to-move", args=[session.pk])).content.decode()
    assert "is for another session, not to move this one" in page


def test_the_move_page_shows_its_own_move_request_without_that_warning(dosed, client):
    session = integration_of(dosed.course, tomorrow_at(dosed.clinic, 12, days=3), dosed.therapist)
    ask(dosed, appointment=session)
    client.force_login(dosed.patient.user)
    page = client.get(reverse("calendar:ask-to-move", args=[session.pk])).content.decode()
    assert "instead of" in page and "not to move this one" not in page
