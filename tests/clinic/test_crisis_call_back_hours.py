"""After an urgent answer the patient reads when a clinician will call. The box promised "a
clinician will contact you today" at any hour, at 23:00 on a Saturday too, when no one would
call until Monday: the promise now follows the clinic's opening hours and closed days."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from kapclinic.clinic.models import ClosedDay, OpeningHours
from kapclinic.clinic.models.opening_hours import DEFAULT_HOURS, call_back_after

pytestmark = pytest.mark.django_db

MONDAY, FRIDAY, SATURDAY = 0, 4, 5


@pytest.fixture
def clinic(world):
    clinic = world.one.clinic
    for weekday, (opens, closes) in DEFAULT_HOURS.items():  # Monday to Friday, 08:00–18:00
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=opens, closes=closes)
    return clinic


def on(clinic, weekday, hour, minute=0):
    """The next `weekday` (a week or more ahead), at a wall-clock time of the clinic."""
    day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=7)
    day += datetime.timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic.tz)


def test_within_opening_hours_the_clinic_calls_today(clinic):
    assert call_back_after(clinic, on(clinic, MONDAY, 10)) is None


def test_on_a_saturday_night_the_call_comes_when_the_clinic_opens_on_monday(clinic):
    saturday = on(clinic, SATURDAY, 23)
    monday = saturday + datetime.timedelta(days=2)
    assert call_back_after(clinic, saturday) == monday.replace(hour=8)


def test_in_the_last_hour_before_closing_the_call_is_promised_for_the_next_opening(clinic):
    friday = on(clinic, FRIDAY, 17, 30)
    monday = friday.replace(hour=8, minute=0) + datetime.timedelta(days=3)
    assert call_back_after(clinic, friday) == monday


def test_before_opening_the_call_comes_at_opening_time(clinic):
    early = on(clinic, MONDAY, 6)
    assert call_back_after(clinic, early) == early.replace(hour=8)


def test_a_closed_day_is_skipped(clinic):
    monday = on(clinic, MONDAY, 12)
    ClosedDay.objects.create(clinic=clinic, date=monday.date(), reason="Bank holiday")
    assert call_back_after(clinic, monday) == monday.replace(hour=8) + datetime.timedelta(days=1)


def test_a_clinic_without_hours_is_taken_at_its_word_as_always_open(world):
    assert call_back_after(world.one.clinic, on(world.one.clinic, SATURDAY, 23)) is None


def test_the_crisis_box_says_when_the_clinic_will_call_while_it_is_closed(clinic):
    """Deterministic whatever the day the suite runs: the clinic opens on one weekday only,
    not today's, so it is closed now and its next opening is named."""
    today = timezone.localdate(timezone=clinic.tz)
    other = (today.weekday() + 2) % 7
    OpeningHours.objects.filter(clinic=clinic).delete()
    OpeningHours.objects.create(
        clinic=clinic, weekday=other, opens=datetime.time(9), closes=datetime.time(17)
    )
    opens = datetime.datetime.combine(
        today + datetime.timedelta(days=2), datetime.time(9), tzinfo=clinic.tz
    )
    with timezone.override(clinic.tz):
        html = render_to_string("clinic/_crisis.html", {"clinic": clinic})
    assert "contact you today" not in html
    assert "The clinic is closed now" in html
    assert f"{opens:%A} {opens.day} {opens:%B}, 09:00" in html
    assert "use the numbers above at any time" in html
