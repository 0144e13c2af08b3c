"""Pickers of staff show each person's role beside their name (two may share a name)."""

import pytest

from kapclinic.clinic.models import Role
from sessions.forms.booking import BookDosingSessionForm

pytestmark = pytest.mark.django_db


def test_the_supervising_clinician_picker_shows_the_role(world):
    form = BookDosingSessionForm(clinic=world.one.clinic)
    labels = [label for value, label in form.fields["clinician"].choices if value]
    nurse, prescriber = world.one.staff[Role.NURSE], world.one.staff[Role.PRESCRIBER]
    assert f"{nurse} (Nurse)" in labels
    assert f"{prescriber} (Prescriber)" in labels
