"""A dose recorded in error (wrong amount, wrong lot, wrong patient's screen) is struck out of
an unsigned session: kept with who, when and why, and counted nowhere a dose counts."""

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
    response = client.post(mark_url(ready.session, dose), {f"{prefix}-reason": REASON}, headers=HTMX)
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
    booster = ready.dose(amount_mg="50", given_at=ready.dose_at + timedelta(minutes=30))
    services.mark_entered_in_error(booster, ready.prescriber, REASON)
    assert count() == small
