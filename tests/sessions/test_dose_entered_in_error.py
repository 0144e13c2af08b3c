"""A dose recorded in error (wrong amount, wrong lot, wrong patient's screen) is struck out of
an unsigned session: kept with who, when and why, and counted nowhere a dose counts."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import CourseState, Role
from kapclinic.reports.kinds import KINDS
from sessions import services
from sessions.integrity import row_data
from sessions.models import Administration, DosingError, DosingSession
from sessions.reevaluation import block_of
from tests.reports.pdf import pdf_text, squeezed

from .test_session_views import HTMX, sign_in
from .test_signing import signed  # noqa: F401  (the fixture: a full record, signed)

pytestmark = pytest.mark.django_db

REASON = "Recorded on the wrong patient's screen <b>& not given</b>."


def mark_url(session, dose):
    return reverse("dosing:mark-entered-in-error", args=[session.pk, "dose", dose.pk])


def fresh(ready):
    return DosingSession.objects.get(pk=ready.session.pk)


def test_the_dose_stays_with_who_when_why_and_stops_counting(ready):
    dose = ready.dose()
    marked = services.mark_entered_in_error(dose, ready.prescriber, REASON)
    row = Administration.entries.get(pk=dose.pk)
    assert marked.pk == row.pk and row.entered_in_error
    assert row.entered_in_error_by == ready.prescriber and row.entered_in_error_reason == REASON
    assert not Administration.objects.filter(pk=dose.pk).exists()
    assert not fresh(ready).administrations.exists()
    assert AccessEvent.objects.filter(
        what=f"dosing session {ready.session.pk}: dose {dose.pk} marked entered in error"
    ).exists()
    # The course stays in treatment: the first dose's start of treatment is not undone.
    ready.course.refresh_from_db()
    assert ready.course.state == CourseState.IN_TREATMENT


def test_the_next_dose_is_judged_without_the_struck_one(ready):
    dose = ready.dose(amount_mg="300")
    # Today: the same dose again is too close and past the session maximum.
    with pytest.raises(ValidationError) as refused:
        ready.dose(amount_mg="300")
    assert {"given_at", "amount_mg"} <= refused.value.message_dict.keys()
    services.mark_entered_in_error(dose, ready.prescriber, "Wrong amount typed.")
    again = ready.dose(amount_mg="300")
    assert list(fresh(ready).administrations.all()) == [again]


def test_a_reason_is_mandatory_and_a_dose_is_marked_once(ready):
    dose = ready.dose()
    with pytest.raises(ValidationError) as error:
        services.mark_entered_in_error(dose, ready.prescriber, " ")
    assert "reason" in error.value.message_dict
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    with pytest.raises(ValidationError, match="already"):
        services.mark_entered_in_error(dose, ready.prescriber, "Again.")


def test_only_a_prescriber_or_who_gave_or_recorded_it_may_strike_a_dose(ready):
    dose = ready.dose()  # given and recorded by the prescriber, witnessed by the nurse
    for who in (ready.therapist, ready.nurse, ready.admin, ready.world.two.staff[Role.PRESCRIBER]):
        with pytest.raises(DosingError):
            services.mark_entered_in_error(dose, getattr(who, "user", who), REASON)
    assert not Administration.entries.get(pk=dose.pk).entered_in_error
    # The nurse who gave and recorded a dose may strike it.
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=35))
    booster = ready.dose(
        by=ready.nurse,
        given_at=ready.dose_at + timedelta(minutes=40),
        amount_mg="50",
        witnessed_by=ready.prescriber,
    )
    services.mark_entered_in_error(booster, ready.nurse, REASON)
    assert Administration.entries.get(pk=booster.pk).entered_in_error


def test_a_signed_session_is_corrected_by_addendum(signed):  # noqa: F811
    dose = Administration.objects.get()
    with pytest.raises(DosingError, match="signed"):
        services.mark_entered_in_error(dose, signed.prescriber, REASON)


def test_a_dose_not_in_error_hashes_as_it_did_before_the_mark_existed(ready):
    dose = ready.dose()
    assert not {k for k in row_data(dose) if k.startswith("entered_in_error")}
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    data = row_data(Administration.entries.get(pk=dose.pk))
    assert data["entered_in_error_reason"] == REASON


def test_a_struck_dose_does_not_count_as_a_dosed_session(ready):
    dose = ready.dose()
    assert block_of(ready.course).done == 1
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    assert block_of(ready.course).done == 0 and block_of(ready.course).last_dose_at is None


# --- The screen and the note ---------------------------------------------------------------


def test_the_screen_strikes_the_dose_in_place_and_totals_leave_it_out(ready, staff_client):
    dose = ready.dose()
    # The witness may not strike the dose: no control is offered to her.
    client = sign_in(staff_client, ready, Role.NURSE)
    seen = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert mark_url(ready.session, dose) not in seen
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    page = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert mark_url(ready.session, dose) in page
    prefix = f"error-dose-{dose.pk}"
    response = client.post(
        mark_url(ready.session, dose), {f"{prefix}-reason": REASON}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode().lstrip()
    assert html.startswith('<div id="dose-list">')
    assert f'<tr id="dose-{dose.pk}" class="entry--in-error"' in html
    assert "Recorded on the wrong patient&#x27;s screen &lt;b&gt;&amp; not given&lt;/b&gt;" in html
    assert 'id="gate-status"' in html and 'hx-swap-oob="true"' in html
    page = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert f'<tr id="dose-{dose.pk}" class="entry--in-error"' in page
    assert "<b>& not given</b>" not in page
    assert "Record the dose" in page  # no dose counts: the form is for a first dose again


def test_without_htmx_it_redirects_to_the_doses(ready, staff_client):
    dose = ready.dose()
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    response = client.post(mark_url(ready.session, dose), {f"error-dose-{dose.pk}-reason": REASON})
    assert response.status_code == 302 and response["Location"].endswith("#doses")
    assert Administration.entries.get(pk=dose.pk).entered_in_error


def test_a_refusal_is_shown_beside_the_dose(ready, staff_client):
    dose = ready.dose()
    client = sign_in(staff_client, ready, Role.NURSE)  # only witnessed it
    response = client.post(
        mark_url(ready.session, dose), {f"error-dose-{dose.pk}-reason": REASON}, headers=HTMX
    )
    html = response.content.decode().lstrip()
    assert response.status_code == 200 and html.startswith('<div id="dose-list">')
    assert '<details class="entry-error" open>' in html
    assert "prescriber" in html and not Administration.entries.get(pk=dose.pk).entered_in_error


def test_the_note_pdf_shows_the_dose_struck_with_its_reason_escaped(ready):
    dose = ready.dose(amount_mg="175")
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    text = squeezed(pdf_text(KINDS["session"].render(fresh(ready), generated_by="Dr T").pdf))
    assert squeezed("Entered in error") in text and squeezed(REASON) in text
    assert "175" in text  # still on the record


def test_the_screen_reads_the_same_number_of_queries_with_a_struck_dose(ready, staff_client):
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    ready.dose()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("dosing:session", args=[ready.appointment.pk]))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count()
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=25))
    booster = ready.dose(amount_mg="50", given_at=ready.dose_at + timedelta(minutes=30))
    services.mark_entered_in_error(booster, ready.prescriber, REASON)
    assert count() == small


def test_the_admin_lists_the_struck_dose_and_offers_no_way_to_change_it(ready, superuser):
    from django.contrib import admin
    from django.test import RequestFactory

    dose = ready.dose()
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    request = RequestFactory().get("/")
    request.user = superuser
    dose_admin = admin.site._registry[Administration]
    assert dose in dose_admin.get_queryset(request)
    assert not dose_admin.has_change_permission(request, dose)
    assert not dose_admin.has_delete_permission(request, dose)
    inline = next(
        i
        for i in admin.site._registry[DosingSession].get_inline_instances(request)
        if i.model is Administration
    )
    assert dose in inline.get_queryset(request)


def test_the_same_dose_form_sent_again_after_the_dose_was_struck_records_nothing(ready):
    dose = ready.dose(request_key="6f1c1f4e-8d2a-4c1b-9a53-2f0f9d6f1a10")
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    with pytest.raises(services.DoseAlreadyRecorded):
        ready.dose(request_key="6f1c1f4e-8d2a-4c1b-9a53-2f0f9d6f1a10")


def test_the_export_says_the_struck_dose_was_entered_in_error(ready):
    from fhir.resources.R4B.medicationadministration import MedicationAdministration

    from kapclinic.clinic.models import Patient
    from kapclinic.reports.fhir import patient_bundle

    dose = ready.dose(amount_mg="175")
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    kept = ready.dose(amount_mg="150")
    ready.adverse_event()
    patient = Patient.objects.select_related("clinic").get(pk=ready.course.patient_id)
    bundle = patient_bundle(patient)
    found = [e["resource"] for e in bundle["entry"]]
    doses = {
        r["dosage"]["dose"]["value"]: r
        for r in found
        if r["resourceType"] == "MedicationAdministration"
    }
    assert doses[175]["status"] == "entered-in-error"
    assert doses[175]["note"] == [{"text": f"Entered in error: {REASON}"}]
    assert doses[150]["status"] == "completed"
    for body in doses.values():
        MedicationAdministration.parse_obj(body)
    (event,) = [r for r in found if r["resourceType"] == "AdverseEvent"]
    suspects = json.dumps(event.get("suspectEntity", []))
    assert doses[175]["id"] not in suspects and doses[150]["id"] in suspects
    assert kept.pk


def test_the_chart_timeline_and_course_summary_leave_the_struck_dose_out(ready):
    from kapclinic.reports.course_summary import dosing_sessions as summary_sessions
    from kapclinic.reports.course_summary import session_brief
    from sessions.timeline import dosing_sessions as timeline_sessions

    dose = ready.dose(amount_mg="175")
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=35))
    booster = ready.dose(amount_mg="50", given_at=ready.dose_at + timedelta(minutes=40))
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    (entry,) = timeline_sessions(ready.course.patient, [ready.course])
    assert entry.title.startswith("Dosing session: 50 mg")
    (session,) = summary_sessions(ready.course)
    brief = session_brief(1, session)
    assert brief["doses"] == [booster] and brief["total_mg"] == 50


def test_a_signed_session_hashes_its_struck_dose_and_refuses_a_change_to_it(ready):
    from kapclinic.clinic.records import SignedRecordError
    from sessions.discharge import discharge

    dose = ready.dose(amount_mg="175")
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=35))
    ready.dose(amount_mg="50", given_at=ready.dose_at + timedelta(minutes=40))
    ready.recheck(minutes=60)
    services.mark_entered_in_error(dose, ready.prescriber, REASON)
    discharge(ready.session, ready.nurse, ready.discharge_data())
    session = services.sign_session(fresh(ready), ready.prescriber)
    assert session.verify_content_hash() is True
    with pytest.raises(SignedRecordError):
        Administration.entries.filter(pk=dose.pk).update(entered_in_error_reason="Changed.")
