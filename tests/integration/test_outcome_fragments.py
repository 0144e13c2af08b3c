"""The outcome page's charts and judgements are drawn once per set of scores: reused while
nothing changes, redrawn at once when a score comes in, never shown for another course."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.fragments import renders
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import record_score

pytestmark = pytest.mark.django_db


def outcomes(course):
    return reverse("integration:outcomes", args=[course.pk])


def test_outcomes_are_drawn_once_per_set_of_scores_and_a_new_score_shows_at_once(
    team, world, staff_client
):
    start = timezone.now() - timedelta(weeks=10)
    record_score(team.course, "phq9", 20, purpose="intake", at=start)
    record_score(team.course, "phq9", 12, at=timezone.now() - timedelta(days=3))
    therapist = staff_client(world.one.staff[Role.THERAPIST])
    first = therapist.get(outcomes(team.course)).content.decode()
    assert "<strong>-8 points</strong>" in first
    drawn = renders["count"]
    therapist.get(outcomes(team.course))
    assert renders["count"] == drawn  # the same scores: nothing drawn again

    record_score(team.course, "phq9", 4, at=timezone.now() - timedelta(hours=1))
    second = therapist.get(outcomes(team.course)).content.decode()
    assert "<strong>-16 points</strong>" in second and renders["count"] == drawn + 1

    other = world.one.courses[1]
    record_score(other, "phq9", 20, purpose="intake", at=start)
    record_score(other, "phq9", 4, at=timezone.now() - timedelta(hours=1))  # same totals
    theirs = therapist.get(outcomes(other)).content.decode()
    assert renders["count"] == drawn + 2  # their own fragment, even with the same numbers
    assert "<strong>-16 points</strong>" in theirs
