"""An appointment booked outside the grid's hours (07:00–20:00, clinic time) still shows on the
calendar: listed under the grid with a link to move it, never left off the page."""

import pytest
from django.urls import reverse

from kapclinic.calendar.grid import calendar_grid
from kapclinic.clinic.models import Role

from .conftest import at, put

pytestmark = pytest.mark.django_db


def test_a_late_evening_session_is_listed_outside_the_grid(north):
    nurse = north.staff[Role.NURSE]
    late = put(north.courses[0], nurse, at(north.clinic, 1, 23, 30), minutes=150)
    early = put(north.courses[0], nurse, at(north.clinic, 1, 5), minutes=60)
    grid = calendar_grid(north.clinic, nurse.user, first=late.starts_at.date(), days=1)
    assert [block.pk for block in grid.outside] == [early.pk, late.pk]
    assert grid.outside[1].label.startswith("23:30–02:00 Dosing session")
    assert grid.appointment_count == 2


def test_the_day_page_links_an_appointment_outside_the_grids_hours(north, staff_client):
    nurse = north.staff[Role.NURSE]
    late = put(north.courses[0], nurse, at(north.clinic, 1, 23, 30), minutes=150)
    page = staff_client(nurse).get(reverse("calendar:day"), {"date": late.starts_at.date()}).text
    assert "Outside these hours" in page
    assert f'href="{reverse("calendar:move", args=[late.pk])}"' in page
    assert "23:30–02:00 Dosing session" in page
