"""A date outside this year says its year (walk, F6): an integration session mistyped into
2099 was confirmed as "booked on Tue 8 Dec", read as tomorrow, on the chart and the phone."""

import datetime
import zoneinfo

from django.template import Context, Template
from django.utils import timezone

from kapclinic.clinic.models.scheduling import time_in_words

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(year, month, day, hour):
    return datetime.datetime(year, month, day, hour, tzinfo=LONDON)


def this_year():
    return timezone.localdate(timezone=LONDON).year


def test_time_in_words_names_a_year_other_than_this_one():
    start = at(2099, 12, 8, 10)
    words = time_in_words(start, start + datetime.timedelta(hours=1), LONDON)
    assert words == "on Tue 8 Dec 2099, 10:00–11:00"
    start = at(this_year(), 3, 3, 10)
    words = time_in_words(start, start + datetime.timedelta(hours=1), LONDON)
    assert words == f"on {start:%a} 3 Mar, 10:00–11:00"


def test_pages_show_the_year_of_a_visit_in_another_year():
    shown = Template("{% load dates %}{{ a|day_and_time }} / {{ b|day_and_time:'long' }}")
    with timezone.override(LONDON):
        far = shown.render(Context({"a": at(2099, 12, 8, 10), "b": at(2099, 12, 8, 10)}))
        near = shown.render(
            Context({"a": at(this_year(), 3, 3, 10), "b": at(this_year(), 3, 3, 10)})
        )
    assert far == "Tue 8 Dec 2099, 10:00 / Tuesday 8 December 2099, 10:00"
    assert "2099" not in near and near.startswith(f"{at(this_year(), 3, 3, 10):%a} 3 Mar, 10:00 / ")
