"""“My calendar feed”: a clinician creates, replaces and revokes their own address; the new
address is shown once and every change is in the audit trail."""

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.calendar.models import CalendarFeed
from kapclinic.clinic.models import Role

pytestmark = pytest.mark.django_db
PAGE = reverse("calendar:my-feed")


def token_in(response):
    """The token of the address shown on the page, or None."""
    html = response.content.decode()
    marker = "/calendar/feed/"
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split(".ics", 1)[0]


def test_create_shows_the_address_once_and_it_works(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Create my feed" in page.content.decode()

    created = client.post(PAGE, {"action": "create"})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    token = token_in(created)
    assert token and "shown only this once" in created.content.decode()
    feed = CalendarFeed.objects.get(provider=nurse)
    assert feed.token_prefix == token[:8]
    again = client.get(PAGE)
    assert token_in(again) is None and feed.token_prefix in again.content.decode()
    client.logout()
    assert client.get(reverse("calendar:feed", args=[token])).status_code == 200


def test_replace_stops_the_old_address_and_revoke_stops_the_new(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    first = token_in(client.post(PAGE, {"action": "create"}))
    second = token_in(client.post(PAGE, {"action": "replace"}))
    assert first != second
    revoked = client.post(PAGE, {"action": "revoke"})
    assert revoked.status_code == 200 and "Create my feed" in revoked.content.decode()
    for token in (first, second):
        assert client.get(reverse("calendar:feed", args=[token])).status_code == 404
    whats = list(
        AccessEvent.objects.filter(what__startswith="calendar feed")
        .order_by("pk")
        .values_list("what", flat=True)
    )
    assert [w.rsplit(" ", 1)[-1] for w in whats] == ["created", "revoked", "created", "revoked"]


def test_a_second_create_or_a_revoke_of_nothing_is_refused_beside_the_buttons(world, staff_client):
    client = staff_client(world.one.staff[Role.THERAPIST])
    refused = client.post(PAGE, {"action": "revoke"})
    assert refused.status_code == 422 and "no calendar feed to revoke" in refused.content.decode()
    client.post(PAGE, {"action": "create"})
    refused = client.post(PAGE, {"action": "create"})
    assert refused.status_code == 422 and "Replace it" in refused.content.decode()
    assert token_in(refused) is None
    assert client.post(PAGE, {"action": "explode"}).status_code == 400
    assert CalendarFeed.objects.live().count() == 1


def test_patients_are_refused_and_a_superuser_has_no_feed(world, client, superuser, enrol_mfa):
    client.force_login(world.one.patients[0].user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "create"}).status_code == 403
    enrol_mfa(superuser)
    client.force_login(superuser)
    assert client.get(PAGE).status_code == 404
    assert CalendarFeed.objects.count() == 0
