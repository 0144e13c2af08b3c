"""The layout every page shares (base.html): its navigation links are drawn once per kind of user
and page (kapclinic/clinic/templatetags/layout.py), so each must still follow role and page."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role

pytestmark = pytest.mark.django_db

CONTROLLED_DRUGS = f'<a href="{reverse("stock:register")}"'


def current(page):
    html = page.content.decode()
    return [name for url, name in LINKS if f'href="{url}" aria-current="page"' in html]


LINKS = [
    (reverse("clinic:caseload"), "Caseload"),
    (reverse("integration:dashboard"), "Dashboard"),
    (reverse("calendar:week"), "Calendar"),
]


def test_the_navigation_marks_the_page_it_is_drawn_on(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    for _ in range(2):  # the second time from the kept links
        assert current(client.get(reverse("clinic:caseload"))) == ["Caseload"]
        assert current(client.get(reverse("integration:dashboard"))) == ["Dashboard"]
        assert current(client.get(reverse("calendar:week"))) == ["Calendar"]


def test_the_navigation_follows_the_role_of_whoever_signs_in(world, staff_client, client):
    page = reverse("clinic:caseload")
    nurse = staff_client(world.one.staff[Role.NURSE]).get(page).content.decode()
    assert CONTROLLED_DRUGS in nurse
    therapist = staff_client(world.one.staff[Role.THERAPIST]).get(page).content.decode()
    assert CONTROLLED_DRUGS not in therapist and "Caseload</a>" in therapist
    assert world.one.staff[Role.THERAPIST].user.email in therapist or "Therapist" in therapist
    client.force_login(world.one.patients[0].user)
    journey = client.get(reverse("clinic:my-journey")).content.decode()
    assert "My journey</a>" in journey and "Caseload</a>" not in journey
