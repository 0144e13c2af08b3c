"""The kept outcome facts the dashboard counts: written when a course completes and when a
follow-up is answered after, and always equal to a full recomputation from the scores."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integration import course_outcome, services
from integration.models import CourseOutcome, MeasureRequest
from integration.selectors import clinic_dashboard
from kapclinic.demo.builder import phq9, record_score

pytestmark = pytest.mark.django_db


def kept(course):
    return {
        row.instrument: (row.computable, row.baseline, row.latest)
        for row in CourseOutcome.objects.filter(course=course)
    }


def test_completion_keeps_the_course_outcome_and_a_follow_up_updates_it(in_integration):
    team = in_integration
    record_score(team.course, "phq9", 20, purpose="intake", at=timezone.now() - timedelta(weeks=9))
    record_score(team.course, "phq9", 12)
    assert kept(team.course) == {}  # open courses are judged when they complete
    services.complete_course(team.course, team.therapist, reason="Done.")
    assert kept(team.course) == {"phq9": (True, 20, 12)}
    request = MeasureRequest.objects.get(course=team.course, timepoint="end", instrument="phq9")
    services.answer_measure_request(request, team.patient, phq9(4))
    assert kept(team.course) == {"phq9": (True, 20, 4)}
    phq = next(s for s in clinic_dashboard(team.clinic).summaries if s.instrument == "phq9")
    assert (phq.courses, phq.remitters, phq.not_computable) == (1, 1, 0)
    call_command("course_outcomes")


def test_the_check_finds_a_kept_outcome_that_differs_from_the_scores(in_integration):
    team = in_integration
    record_score(team.course, "phq9", 20, purpose="intake", at=timezone.now() - timedelta(weeks=9))
    record_score(team.course, "phq9", 12)
    services.complete_course(team.course, team.therapist, reason="Done.")
    assert course_outcome.differences() == []
    CourseOutcome.objects.filter(course=team.course).update(latest=3)
    assert course_outcome.differences() == [(team.course.pk, "phq9", (True, 20, 3), (True, 20, 12))]
    with pytest.raises(CommandError, match="1 kept course outcomes differ"):
        call_command("course_outcomes")
    call_command("course_outcomes", "--rebuild")
    assert kept(team.course) == {"phq9": (True, 20, 12)}


def test_the_scale_seed_keeps_every_completed_course_outcome():
    from kapclinic.demo.scale import ScaleSeeder

    ScaleSeeder(60, clinics=1, seed=5).run()
    assert CourseOutcome.objects.exists()
    assert course_outcome.differences() == []
