"""The clinic's own phone beside the crisis numbers (walk of 7 Dec 2026, K1): after an urgent
answer the patient read "a clinician will contact you today" and the national crisis lines,
but never the number of the clinic that was to call them; on a phone, numbers one tap away."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from kapclinic.clinic import risk
from kapclinic.clinic.models import Role
from tests.samples import SAFETY_PLAN

pytestmark = pytest.mark.django_db

TEL = 'href="tel:+442079460000"'


@pytest.fixture
def clinic(world):
    clinic = world.one.clinic
    clinic.phone = "+44 20 7946 0000"
    clinic.save()
    return clinic


def test_the_crisis_box_after_an_urgent_answer_gives_the_clinics_phone(clinic):
    html = render_to_string("clinic/_crisis.html", {"clinic": clinic})
    assert TEL in html and "+44 20 7946 0000" in html


def test_home_and_safety_plan_give_the_clinics_phone_to_call(world, clinic, client):
    side = world.one
    risk.save_safety_plan(side.courses[0], side.staff[Role.THERAPIST].user, SAFETY_PLAN)
    client.force_login(side.patients[0].user)
    for name in ("clinic:my-journey", "clinic:my-safety-plan"):
        assert TEL in client.get(reverse(name)).text, name


def test_no_phone_on_file_no_empty_link(world):
    html = render_to_string("clinic/_crisis.html", {"clinic": world.one.clinic})
    assert 'href="tel:' not in html
