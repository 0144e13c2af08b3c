"""The session screen's vitals chart and a signed session's vitals table are drawn once per
version (kapclinic/clinic/fragments.py): a new reading or a reading entered in error shows at
once, a signed record is not drawn again, and no session gets another's fragment."""

from datetime import timedelta

import pytest
from django.urls import reverse

from kapclinic.clinic.fragments import renders
from kapclinic.clinic.models import Role
from sessions import services
from sessions.monitoring_services import mark_entered_in_error

pytestmark = pytest.mark.django_db


def screen(build):
    return reverse("dosing:session", args=[build.appointment.pk])


def test_a_new_reading_and_an_entry_in_error_show_at_once_on_the_chart(ready, staff_client):
    nurse = staff_client(ready.world.one.staff[Role.NURSE])
    nurse.get(screen(ready))
    start = renders["count"]
    first = nurse.get(screen(ready)).content.decode()
    assert renders["count"] == start  # the same readings: the chart is not drawn again
    assert first.count('class="vitals-chart__dot vitals-chart__dot--systolic"') == 1

    reading = ready.vitals(ready.session, ready.start + timedelta(minutes=20), systolic=150)
    second = nurse.get(screen(ready)).content.decode()
    assert second.count('class="vitals-chart__dot vitals-chart__dot--systolic"') == 2
    assert renders["count"] == start + 1

    mark_entered_in_error(reading, ready.nurse, "Wrong patient's cuff.")
    third = nurse.get(screen(ready)).content.decode()
    assert third.count('class="vitals-chart__dot vitals-chart__dot--systolic"') == 1
    assert "Wrong patient&#x27;s cuff." in third  # the open table is drawn afresh each time


def test_a_signed_sessions_vitals_table_is_drawn_once_and_addenda_show_at_once(ready, staff_client):
    ready.dose()
    ready.recheck()
    services.discharge(ready.session, ready.nurse, ready.discharge_data())
    services.sign_session(ready.session, ready.prescriber)
    prescriber = staff_client(ready.world.one.staff[Role.PRESCRIBER])
    page = prescriber.get(screen(ready)).content.decode()
    assert 'aria-label="Vital signs"' in page
    start = renders["count"]
    again = prescriber.get(screen(ready)).content.decode()
    assert renders["count"] == start  # neither the table nor the chart drawn again
    table = page.split('aria-label="Vital signs"')[1].split("</table>")[0]
    assert table in again

    services.add_addendum(ready.session, ready.prescriber, "Lot number corrected: LOT-43.")
    assert "Lot number corrected: LOT-43." in prescriber.get(screen(ready)).content.decode()


def test_another_session_never_gets_this_sessions_fragments(ready, staff_client, world):
    from kapclinic.demo.builder import Build

    nurse = staff_client(world.one.staff[Role.NURSE])
    mine = nurse.get(screen(ready)).content.decode().split('id="vitals-chart"')[1]
    other = Build(world)
    other.course = world.one.courses[1]
    other.patient = other.course.patient.user
    other()
    other.vitals(other.session, other.start + timedelta(minutes=25), systolic=171)
    theirs = nurse.get(screen(other)).content.decode().split('id="vitals-chart"')[1]
    assert theirs != mine
    assert theirs.count('class="vitals-chart__dot vitals-chart__dot--systolic"') == 2
