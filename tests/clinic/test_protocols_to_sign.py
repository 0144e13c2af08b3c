"""The medical director lands on the caseload and is told which protocol versions wait for their
sign-off, each with a button to its sign page. Nobody else is told, and it costs them nothing.

Waiting means active (the version the clinic means to use) and not signed off: it is not in
force until the director signs it. A signed version, or an inactive draft still being edited or
retired, is not listed; nor is another clinic's protocol.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.clinic.models import Product, Protocol, Role, Route

pytestmark = pytest.mark.django_db

CASELOAD = reverse("clinic:caseload")


def unsigned(clinic, route, product, *, active=True, name=None):
    protocol = Protocol.from_reference(clinic, route, product)
    protocol.active = active
    protocol.name = name or f"{product} {route}"
    protocol.save()
    return protocol


def changed(protocol):
    """A changed clinical value: a new version that waits for a new sign-off."""
    protocol.ceiling_mg = Decimal(450)
    protocol.save()
    return protocol


def page(staff_client, provider):
    response = staff_client(provider).get(CASELOAD)
    assert response.status_code == 200
    return response.content.decode()


def test_the_director_sees_each_waiting_version_with_a_button_to_sign_it(world, staff_client):
    edited = changed(Protocol.objects.get(clinic=world.one.clinic))
    iv = unsigned(world.one.clinic, Route.IV, Product.RACEMIC_KETAMINE, name="IV <b>induction</b>")
    html = page(staff_client, world.one.staff[Role.PRESCRIBER])
    assert "2 protocol versions wait for your sign-off" in html
    for protocol in (edited, iv):
        assert f'href="{reverse("clinic:sign-protocol", args=[protocol.pk])}"' in html
    assert f"Read and sign: {edited.name} v2" in html
    assert "Read and sign: IV &lt;b&gt;induction&lt;/b&gt; v1" in html


def test_one_waiting_version_is_named_in_the_singular(world, staff_client):
    changed(Protocol.objects.get(clinic=world.one.clinic))
    html = page(staff_client, world.one.staff[Role.PRESCRIBER])
    assert "1 protocol version waits for your sign-off" in html


def test_nobody_but_this_clinics_director_is_told(world, staff_client):
    protocol = changed(Protocol.objects.get(clinic=world.one.clinic))
    sign_url = reverse("clinic:sign-protocol", args=[protocol.pk])
    for someone in (
        world.one.staff[Role.NURSE],
        world.one.staff[Role.THERAPIST],
        world.one.staff[Role.CLINIC_ADMIN],
        world.two.staff[Role.PRESCRIBER],  # another clinic's director
    ):
        html = page(staff_client, someone)
        assert "wait for your sign-off" not in html and "waits for your sign-off" not in html
        assert sign_url not in html


def test_signed_inactive_and_other_clinics_versions_are_not_listed(world, staff_client):
    # The clinic's protocol in force is signed; an inactive draft is still being edited.
    draft = unsigned(world.one.clinic, Route.IV, Product.RACEMIC_KETAMINE, active=False)
    other = changed(Protocol.objects.get(clinic=world.two.clinic))
    html = page(staff_client, world.one.staff[Role.PRESCRIBER])
    assert "sign-off" not in html
    for protocol in (*Protocol.objects.filter(clinic=world.one.clinic), draft, other):
        assert reverse("clinic:sign-protocol", args=[protocol.pk]) not in html


def count(client):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CASELOAD).status_code == 200
    return len(captured.captured_queries)


def test_the_alert_costs_the_director_one_query_whatever_waits(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    client.get(CASELOAD)  # warm per-process caches
    none = count(client)
    changed(Protocol.objects.get(clinic=world.one.clinic))
    one = count(client)
    unsigned(world.one.clinic, Route.IV, Product.RACEMIC_KETAMINE)
    unsigned(world.one.clinic, Route.IM, Product.RACEMIC_KETAMINE)
    three = count(client)
    assert "3 protocol versions wait" in client.get(CASELOAD).content.decode()
    # The caseload's rows and total in one query; the director's waiting versions in one more.
    assert (none, one, three) == (2, 2, 2)
    nurse = staff_client(world.one.staff[Role.NURSE])
    nurse.get(CASELOAD)
    assert count(nurse) == 1  # nothing read for anyone but the director


def test_a_search_answered_by_htmx_does_not_read_the_protocols(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    changed(Protocol.objects.get(clinic=world.one.clinic))
    with CaptureQueriesContext(connection) as captured:
        response = client.post(CASELOAD, {"q": "a"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not any('"clinic_protocol"' in q["sql"] for q in captured.captured_queries)
