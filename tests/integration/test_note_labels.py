"""The integration note's questions read as written: no label ends in a second colon
("Next dose: detail:")."""

import re

import pytest

from kapclinic.clinic.models import Role
from tests.integration.test_clinician_pages import appointment, as_role, note_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_no_note_label_ends_in_a_second_colon(appointment, as_role):  # noqa: F811
    page = as_role(Role.THERAPIST).get(note_url(appointment)).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
    assert labels and not [label for label in labels if label.count(":") > 1]
