"""The Patient Monitoring Form: generated from the esketamine session's record, printed as a
PDF with the session's BP readings and times, frozen once staff record its submission."""

import datetime

import pytest
from django.utils import timezone

from intake.models import IntakeSubmission
from kapclinic.rems import services
from kapclinic.rems.models import MonitoringForm, RemsRecordError
from kapclinic.reports.kinds import KINDS
from sessions import monitoring_services as monitoring
from sessions.discharge import discharge
from sessions.services import sign_session
from tests.reports.pdf import pdf_text

pytestmark = pytest.mark.django_db


def clock(build, moment):
    return timezone.localtime(moment, build.course.clinic.tz).strftime("%H:%M")


def adverse_event(build, session, kind, minutes):
    return build.adverse_event(session, minutes=minutes, kind=kind)


@pytest.fixture
def discharged(esketamine):
    """An esketamine session with readings before, at 40 min and before discharge."""
    esketamine.rems_records()
    session = esketamine()  # a baseline reading at start + 5 min, 120/80
    esketamine.dose(session, device_count=3)
    at = esketamine.dose_at
    esketamine.vitals(session, at + datetime.timedelta(minutes=41), systolic=152, diastolic=91)
    esketamine.vitals(session, at + datetime.timedelta(minutes=110), systolic=131, diastolic=84)
    monitoring.record_observation(
        session,
        esketamine.therapist,
        {
            "moaas": 4,
            "dissociation": "moderate",
            "observed_at": at + datetime.timedelta(minutes=30),
        },
    )
    discharge(session, esketamine.nurse, esketamine.discharge_data())
    return esketamine, session


def test_discharge_generates_the_form_from_the_session_record(discharged):
    build, session = discharged
    form = MonitoringForm.objects.get(appointment=session.appointment)
    fields = form.fields
    assert form.session_on == timezone.localdate(build.start, build.course.clinic.tz)
    assert fields["total_mg"] == "84" and fields["device_count"] == 3
    assert fields["lots"] == ["SPR-0425"]
    assert fields["enrolment_id"] == "PT-998877"
    assert fields["certification_number"] == "HCS-123456"
    assert fields["first_device_at"] == clock(build, build.dose_at)
    assert (fields["bp_before"]["systolic"], fields["bp_before"]["diastolic"]) == (120, 80)
    assert fields["bp_at_40_minutes"]["systolic"] == 152
    assert fields["bp_at_40_minutes"]["minutes_after_first_device"] == 41
    assert fields["bp_before_discharge"]["systolic"] == 131
    assert fields["monitoring_minutes"] >= 120
    assert fields["worst_dissociation"] == "Moderate"
    assert fields["deepest_sedation"].startswith("4")
    assert fields["respiratory_depression"] is False


def test_the_pdf_holds_the_sessions_bp_readings_and_times(discharged):
    build, session = discharged
    form = MonitoringForm.objects.get(appointment=session.appointment)
    text = pdf_text(KINDS["rems_form"].render(form, generated_by="Test").pdf)
    at = build.dose_at
    assert f"120/80 mmHg at {clock(build, build.start + datetime.timedelta(minutes=5))}" in text
    assert f"152/91 mmHg at {clock(build, at + datetime.timedelta(minutes=41))}" in text
    assert f"131/84 mmHg at {clock(build, at + datetime.timedelta(minutes=110))}" in text
    assert "41 min after the first device" in text
    assert "SPR-0425" in text and "84 mg" in text
    assert "Not yet submitted" in text


def test_signing_refreshes_the_form_with_events_recorded_after_discharge(discharged):
    build, session = discharged
    adverse_event(build, session, "respiratory_depression", 20)
    sign_session(session, build.prescriber)
    form = MonitoringForm.objects.get(appointment=session.appointment)
    assert form.fields["respiratory_depression"] is True
    assert [e["event"] for e in form.fields["adverse_events"]] == ["Respiratory depression"]


def test_concomitant_sedating_medicines_come_from_the_intake(discharged):
    build, session = discharged
    medicines = [
        {"name": "Lorazepam", "dose": "1 mg", "frequency": "at night"},
        {"name": "Sertraline", "dose": "100 mg", "frequency": "daily"},
    ]
    IntakeSubmission.objects.filter(course=build.course).update(
        answers={"medications": {"items": medicines}}
    )
    sign_session(session, build.prescriber)
    form = MonitoringForm.objects.get(appointment=session.appointment)
    assert [m["name"] for m in form.fields["sedating_medicines"]] == ["Lorazepam"]


def test_a_submitted_form_is_frozen_and_recorded_once(discharged):
    build, session = discharged
    form = MonitoringForm.objects.get(appointment=session.appointment)
    today = timezone.localdate(timezone=build.course.clinic.tz)
    with pytest.raises(RemsRecordError, match="future"):
        services.mark_submitted(form, build.nurse, today + datetime.timedelta(days=1))
    with pytest.raises(RemsRecordError, match="before the session"):
        services.mark_submitted(form, build.nurse, form.session_on - datetime.timedelta(days=1))
    with pytest.raises(RemsRecordError, match="prescriber, nurse or clinic admin"):
        services.mark_submitted(form, build.therapist, today)
    services.mark_submitted(form, build.nurse, today)
    with pytest.raises(RemsRecordError, match="already recorded as submitted"):
        services.mark_submitted(form, build.admin, today)
    adverse_event(build, session, "nausea", 25)
    sign_session(session, build.prescriber)  # would refresh the fields; submitted, it does not
    form.refresh_from_db()
    assert form.submitted_on == today and form.submitted_recorded_by == build.nurse
    assert form.fields["adverse_events"] == []


def test_a_racemic_ketamine_session_has_no_monitoring_form(world):
    from kapclinic.demo.builder import Build

    build = Build(world)
    session = build()
    build.dose(session)
    build.recheck(session)
    discharge(session, build.nurse, build.discharge_data())
    assert not MonitoringForm.objects.exists()


def test_what_the_patient_typed_prints_as_text_in_the_pdf(discharged):
    """Medicine details come from the patient's intake: markup in them stays literal."""
    build, session = discharged
    hostile = '<script>alert("x")</script><img src=http://example.com/a.png>'
    medicines = [{"name": "Lorazepam", "dose": f"1 mg {hostile}", "frequency": "at night"}]
    IntakeSubmission.objects.filter(course=build.course).update(
        answers={"medications": {"items": medicines}}
    )
    sign_session(session, build.prescriber)
    form = MonitoringForm.objects.get(appointment=session.appointment)
    text = " ".join(pdf_text(KINDS["rems_form"].render(form, generated_by="Test").pdf).split())
    assert 'alert("x")' in text and "<script>" in text
