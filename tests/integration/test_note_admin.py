"""Integration notes in the Django admin: who wrote and signed them, never what they say."""

import pytest
from django.urls import reverse

from integration import services
from kapclinic.clinic.models import Role
from tests.samples import COMPLETE_NOTE

from .conftest import integration_appointment

pytestmark = pytest.mark.django_db

ADDENDUM = "Later recalled a vivid memory of their father's illness."


@pytest.fixture
def signed(team):
    note = services.open_integration_note(integration_appointment(team.course), team.therapist)
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    note = services.sign_integration_note(note, team.therapist)
    services.add_note_addendum(note, team.therapist, ADDENDUM)
    return note


def test_a_clinic_admin_sees_who_signed_a_note_but_not_the_psychotherapy_content(
    world, staff_client, signed
):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    for url in (
        reverse("admin:integration_integrationnote_change", args=[signed.pk]),
        reverse("admin:integration_integrationnote_history", args=[signed.pk]),
        reverse(
            "admin:integration_integrationnote_simple_history",
            args=[signed.pk, signed.history.latest().history_id],
        ),
    ):
        page = client.get(url).content.decode()
        assert "Signed" in page
        for text in (*(v for v in COMPLETE_NOTE.values() if len(str(v)) > 12), ADDENDUM):
            assert str(text) not in page, url
