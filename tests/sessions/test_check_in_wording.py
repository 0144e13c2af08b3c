"""The check-in's words as a patient reads them on the phone: the step names in "Back to …"
keep their questionnaire abbreviations, and a tick box's label ends without a colon."""

import re

import pytest
from django.urls import reverse

from tests.sessions.test_check_in_views import day, step_url  # noqa: F401  the fixture

pytestmark = pytest.mark.django_db


def test_back_to_the_previous_questionnaire_keeps_its_name_as_written(day):  # noqa: F811
    page = day.client.get(step_url(day.appt, "phq9")).text
    assert "Back to anxiety questionnaire (GAD-7)</button>" in page


def test_the_review_names_each_questionnaire_as_written_for_screen_readers(day):  # noqa: F811
    page = day.client.get(reverse("dosing:check-in-review", args=[day.appt.pk])).text
    assert "mood questionnaire (PHQ-9)</span>" in page
    assert "(phq-9)" not in page and "(gad-7)" not in page


def test_a_tick_box_label_has_no_trailing_colon(day):  # noqa: F811
    page = day.client.get(step_url(day.appt, "food-and-drink")).text
    labels = re.findall(r'<label for="id_last_(?:food|drink)_yesterday">(.*?)</label>', page)
    assert labels == ["That was yesterday", "That was yesterday"]
