"""A protocol's sign-off is the medical director's signature: made by them, signed in, with
their password typed again, and on the audit trail. Nobody signs it for them (admin, shell)."""

from decimal import Decimal

import pytest
from django.contrib.admin import site
from django.core.exceptions import ValidationError
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.admin.protocol import ProtocolAdmin
from kapclinic.clinic.models import Protocol, Role
from kapclinic.clinic.protocol_signing import sign_off
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    """The clinic's sublingual protocol with a changed ceiling: a new version, not signed."""
    protocol = Protocol.objects.get(clinic=world.one.clinic)
    protocol.ceiling_mg = Decimal(450)
    protocol.save()
    assert not protocol.is_in_force
    return protocol


def test_the_director_signs_with_their_password_and_the_trail_says_so(world, draft):
    director = world.one.staff[Role.PRESCRIBER]
    sign_off(draft, director.user, password=PASSWORD)
    draft.refresh_from_db()
    assert draft.is_in_force and draft.signed_off_by == director
    assert draft.signed_off_on == world.one.clinic.today()
    assert AccessEvent.objects.filter(
        actor=director.user, what__contains=f"protocol {draft.pk} version 2 signed off"
    ).exists()


@pytest.mark.parametrize("password", [None, "", "not-my-password"])
def test_without_the_directors_own_password_nothing_is_signed(world, draft, password):
    director = world.one.staff[Role.PRESCRIBER]
    with pytest.raises(ValidationError) as error:
        sign_off(draft, director.user, password=password)
    assert "password" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.signed_off_by is None and not draft.is_in_force


def test_only_this_clinics_medical_director_signs(world, draft):
    for someone in (
        world.one.staff[Role.NURSE],
        world.one.staff[Role.CLINIC_ADMIN],
        world.two.staff[Role.PRESCRIBER],  # another clinic's director
    ):
        with pytest.raises(ValidationError, match="medical director"):
            sign_off(draft, someone.user, password=PASSWORD)
    draft.refresh_from_db()
    assert draft.signed_off_by is None


def test_a_sign_off_written_into_the_row_by_hand_is_refused(world, draft):
    """A shell (or any code) cannot set the signer and date itself: only the service signs."""
    draft.signed_off_by = world.one.staff[Role.PRESCRIBER]
    draft.signed_off_on = world.one.clinic.today()
    with pytest.raises(ValidationError, match="signs it themself"):
        draft.save()
    draft.refresh_from_db()
    assert draft.signed_off_by is None


def test_the_director_signs_the_version_they_read_not_one_changed_since(world, draft):
    seen = Protocol.objects.get(pk=draft.pk)
    draft.ceiling_mg = Decimal(480)
    draft.save()  # the admin changes a value while the director reads version 2
    with pytest.raises(ValidationError, match="changed"):
        sign_off(seen, world.one.staff[Role.PRESCRIBER].user, password=PASSWORD)
    draft.refresh_from_db()
    assert draft.version == 3 and draft.signed_off_by is None


# --- The admin and the director's page --------------------------------------------------------


def test_the_admin_cannot_pick_or_date_the_signer(world, draft, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:clinic_protocol_change", args=[draft.pk])
    form = client.get(change).context["adminform"].form
    assert "signed_off_by" not in form.fields and "signed_off_on" not in form.fields
    # Who signed and when are shown, not edited: a field left out of the form is never saved.
    assert {"signed_off_by", "signed_off_on"} <= set(
        ProtocolAdmin(Protocol, site).get_readonly_fields(None, draft)
    )


def test_the_director_signs_on_their_page_with_their_password(world, draft, staff_client):
    director = world.one.staff[Role.PRESCRIBER]
    client = staff_client(director)
    url = reverse("clinic:sign-protocol", args=[draft.pk])
    page = client.get(url)
    assert page.status_code == 200 and "version 2" in page.content.decode()
    refused = client.post(url, {"version": 2, "password": "wrong"})
    assert refused.status_code == 422
    assert "password" in refused.context["form"].errors
    draft.refresh_from_db()
    assert draft.signed_off_by is None
    signed = client.post(url, {"version": 2, "password": PASSWORD})
    assert signed.status_code == 302
    draft.refresh_from_db()
    assert draft.signed_off_by == director and draft.is_in_force


def test_no_one_else_reaches_the_signing_page(world, draft, staff_client):
    url = reverse("clinic:sign-protocol", args=[draft.pk])
    for someone in (world.one.staff[Role.NURSE], world.two.staff[Role.PRESCRIBER]):
        client = staff_client(someone)
        assert client.get(url).status_code == 404
        assert client.post(url, {"version": 2, "password": PASSWORD}).status_code == 404
    draft.refresh_from_db()
    assert draft.signed_off_by is None
