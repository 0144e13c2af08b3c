"""The scale seed: rows the app itself accepts, every stage of the journey, several clinics."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from integration.models import IntegrationNote, JournalEntry, MeasureRequest
from kapclinic.clinic.models import Appointment, Clinic, CourseState, Provider, TreatmentCourse
from kapclinic.demo.scale import ORDER, ScaleSeeder
from kapclinic.measures.models import QuestionnaireResponse
from kapclinic.reminders.models import Reminder
from sessions.models import DosingSession, VitalSigns

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    """150 patients in 2 clinics (inside the test's transaction)."""
    seeder = ScaleSeeder(150, clinics=2, seed=7)
    seeder.run()
    return seeder


def test_rows_pass_validation_at_every_stage_in_several_clinics(network):
    for model in ORDER:
        for row in model._base_manager.order_by("?")[:60]:
            row.full_clean()
    stages = set(TreatmentCourse.objects.values_list("state", flat=True))
    assert stages == set(CourseState.values)
    assert Clinic.objects.count() == 2
    assert Provider.objects.filter(role="prescriber").count() >= 2
    assert Appointment.objects.values("clinician").distinct().count() >= 4


def test_courses_carry_sessions_vitals_measures_notes_journal_and_reminders(network):
    treated = TreatmentCourse.objects.filter(state__in=["integration", "completed"])
    sessions = treated.annotate(n=Count("dosing_sessions")).values_list("n", flat=True)
    assert set(sessions) == {6}
    signed = DosingSession.objects.filter(course__in=treated)
    assert set(signed.values_list("status", flat=True)) == {"signed"}
    per_session = set(signed.annotate(n=Count("vitals")).values_list("n", flat=True).distinct())
    assert per_session <= {6, 7, 8} and len(per_session) > 1
    assert not signed.filter(discharge__isnull=True).exists()
    assert not signed.filter(appointment__check_in__completed_at__isnull=True).exists()
    doses = DosingSession.objects.count()  # signed ones, and today's still under way
    before = MeasureRequest.objects.filter(purpose="check_in", status="completed")
    assert before.count() == 2 * doses
    assert MeasureRequest.objects.filter(purpose="follow_up", status="completed").exists()
    assert QuestionnaireResponse.objects.filter(purpose="follow_up").exists()
    assert IntegrationNote.objects.filter(status="signed").count() >= doses * 0.9
    assert JournalEntry.objects.filter(shared_at__isnull=False).exists()
    assert Reminder.objects.filter(status="sent").count() > doses
    assert DosingSession.objects.filter(status="open").exists()
    live = Appointment.objects.live().values_list("clinician", "starts_at", "ends_at")
    by_clinician = {}
    for clinician, starts, ends in live:
        by_clinician.setdefault(clinician, []).append((starts, ends))
    for times in by_clinician.values():
        times.sort()
        assert all(a[1] <= b[0] for a, b in zip(times, times[1:], strict=False))
    assert VitalSigns.objects.filter(session__status="open").exists()


def test_the_command_prints_time_and_counts_and_refuses_a_second_run(transactional_db):
    out = StringIO()
    call_command("seed_scale", patients=12, stdout=out)
    text = out.getvalue()
    assert "Seeded 12 patients in 1 clinics in" in text
    assert "dosing.VitalSigns" in text and "total" in text
    with pytest.raises(CommandError, match="already seeded"):
        call_command("seed_scale", patients=12, stdout=StringIO())
