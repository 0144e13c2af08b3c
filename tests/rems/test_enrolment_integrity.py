"""A signed REMS enrolment is final in the database too, not only in the app."""

import pytest

from kapclinic.clinic.models import Role
from tests.sessions.test_signed_triggers import refused

from .conftest import enrol

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_change_or_delete_a_signed_enrolment(world):
    patient = world.one.patients[0]
    enrolment = enrol(patient, world.one.staff[Role.PRESCRIBER].user)
    assert refused(
        "UPDATE rems_enrolment SET enrolment_id = 'PT-000000' WHERE id = %s", [enrolment.pk]
    )
    assert refused("DELETE FROM rems_enrolment WHERE id = %s", [enrolment.pk])
    enrolment.refresh_from_db()
    assert enrolment.enrolment_id == "PT-998877"
