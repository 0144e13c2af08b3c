"""The page's "still here" request: "Stay signed in", and typing in a long note or journal
entry, refresh the session without opening the patient's record again.

The page used to send a HEAD of itself, which runs the whole view: on a chart or a note that
wrote a "viewed" row to the patient's "Who viewed my record" every few minutes while a
clinician typed, and rebuilt the page for nothing.
"""

import re

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role

pytestmark = pytest.mark.django_db


def keep_alive_url(page):
    found = re.search(r'data-keep-alive-url="([^"]+)"', page.content.decode())
    assert found, "a signed-in page names where its keep-alive request goes"
    return found.group(1)


def test_a_chart_page_keeps_its_session_alive_without_a_second_record_view(world, staff_client):
    prescriber = world.one.staff[Role.PRESCRIBER]
    client = staff_client(prescriber)
    chart = client.get(reverse("clinic:patient-chart", args=[world.one.courses[0].patient.pk]))
    url = keep_alive_url(chart)
    before = AccessEvent.objects.count()

    for method in (client.head, client.get):
        response = method(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    assert AccessEvent.objects.count() == before
    assert client.get(reverse("clinic:caseload")).status_code == 200  # still signed in


def test_a_head_of_the_chart_itself_is_a_view_of_the_record(world, staff_client):
    """Why the keep-alive has a URL of its own: the page's own HEAD runs the page."""
    patient = world.one.courses[0].patient
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    before = AccessEvent.objects.filter(patient=patient).count()
    assert client.head(reverse("clinic:patient-chart", args=[patient.pk])).status_code == 200
    assert AccessEvent.objects.filter(patient=patient).count() == before + 1


def test_a_patient_page_names_the_same_keep_alive(world, client):
    client.force_login(world.one.patients[0].user)
    page = client.get(reverse("clinic:my-journey"))
    assert keep_alive_url(page) == reverse("keep-alive")


def test_signed_out_the_keep_alive_sends_to_sign_in_so_the_page_reloads(client):
    response = client.head(reverse("keep-alive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_signed_out_page_names_no_keep_alive(client):
    assert b"data-keep-alive-url" not in client.get(reverse("account_login")).content
