"""Nothing clinical is hard-deleted: wrong entries are marked "entered in error" with a
reason, who and when, stay visible struck through, and stop counting."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.clinic.records import RecordKeptError
from kapclinic.reports.kinds import KINDS
from sessions import services
from sessions.gate import evaluate_gate, failing
from sessions.models import (
    Administration,
    AdverseEvent,
    DosingError,
    DosingSession,
    Observation,
    SessionAlert,
    VitalSigns,
)
from tests.reports.pdf import pdf_text, squeezed

from .test_session_views import HTMX, sign_in
from .test_signing import signed  # noqa: F401  (the fixture: a full record, signed)

pytestmark = pytest.mark.django_db

REASON = "BP typed as 190, was 130."


def mark_url(session, kind, entry):
    return reverse("dosing:mark-entered-in-error", args=[session.pk, kind, entry.pk])


@pytest.fixture
def slip(ready):
    """A pre-dose reading typed wrong: it puts dosing on hold and raises an alert."""
    reading = ready.vitals(ready.session, ready.start + timedelta(minutes=10), systolic=190)
    assert failing(evaluate_gate(ready.session))
    assert SessionAlert.objects.filter(vital_signs=reading).unacknowledged().exists()
    return reading


def test_marking_keeps_the_row_with_who_when_why_and_it_stops_counting(ready, slip):
    marked = services.mark_entered_in_error(slip, ready.nurse, REASON)
    row = VitalSigns.entries.get(pk=slip.pk)
    assert row.entered_in_error and row.entered_in_error_by == ready.nurse
    assert row.entered_in_error_reason == REASON and row.entered_in_error_at is not None
    assert marked.pk == row.pk
    # Kept in the record, left out of everything that computes.
    assert not VitalSigns.objects.filter(pk=slip.pk).exists()
    assert slip.pk not in [r.pk for r in ready.session.vitals.all()]
    assert not failing(evaluate_gate(DosingSession.objects.get(pk=ready.session.pk)))
    # The alert it raised is closed with the same reason.
    alert = SessionAlert.objects.get(vital_signs=slip)
    assert not alert.is_open and REASON in alert.action_taken


def test_a_reason_is_mandatory(ready, slip):
    with pytest.raises(ValidationError) as error:
        services.mark_entered_in_error(slip, ready.nurse, "  ")
    assert "reason" in error.value.message_dict
    assert not VitalSigns.entries.get(pk=slip.pk).entered_in_error


def test_an_entry_is_marked_once(ready, slip):
    services.mark_entered_in_error(slip, ready.nurse, REASON)
    with pytest.raises(ValidationError, match="already"):
        services.mark_entered_in_error(slip, ready.nurse, "Again.")


def test_no_entry_is_marked_after_signing(signed):  # noqa: F811
    event = AdverseEvent.objects.get()
    with pytest.raises(DosingError, match="signed"):
        services.mark_entered_in_error(event, signed.nurse, "Wrong patient.")


def test_the_database_refuses_a_half_mark(ready, slip):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.filter(pk=slip.pk).update(entered_in_error_reason="No who or when.")


@pytest.mark.parametrize("model", [VitalSigns, Observation, AdverseEvent, Administration])
def test_clinical_rows_are_never_deleted(ready, model):
    ready.dose()
    services.record_observation(ready.session, ready.nurse, {"moaas": 5, "dissociation": "none"})
    ready.adverse_event()
    row = model.objects.first()
    with pytest.raises(RecordKeptError):
        row.delete()
    with pytest.raises(RecordKeptError):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(RecordKeptError):
        DosingSession.objects.get(pk=ready.session.pk).delete()
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [DosingSession, VitalSigns, Observation, AdverseEvent])
def test_the_admin_offers_no_delete(ready, superuser, model):
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_admin_still_lists_entries_marked_in_error(ready, slip, superuser):
    services.mark_entered_in_error(slip, ready.nurse, REASON)
    request = RequestFactory().get("/")
    request.user = superuser
    assert slip in admin.site._registry[VitalSigns].get_queryset(request)
    session_admin = admin.site._registry[DosingSession]
    inline = next(i for i in session_admin.get_inline_instances(request) if i.model is VitalSigns)
    assert slip in inline.get_queryset(request)


# --- The clinician's screen -----------------------------------------------------------------


def test_htmx_swaps_the_row_struck_through_with_its_reason(ready, slip, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    page = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert mark_url(ready.session, "vitals", slip) in page and "Entered in error…" in page
    prefix = f"error-vitals-{slip.pk}"
    response = client.post(
        mark_url(ready.session, "vitals", slip), {f"{prefix}-reason": REASON}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode().lstrip()
    assert html.startswith(f'<tr id="vitals-{slip.pk}" class="entry--in-error"')
    assert REASON in html and "Entered in error" in html and str(ready.nurse) in html
    # The chart, the schedule and the gate are refreshed out of band without it.
    assert 'id="vitals-chart"' in html and 'id="gate-status"' in html
    assert 'hx-swap-oob="true"' in html
    # Reloaded, the row is still there, struck through; dosing is no longer on hold.
    page = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert f'<tr id="vitals-{slip.pk}" class="entry--in-error"' in page and REASON in page
    assert "Dosing is on hold" not in page


def test_a_missing_reason_is_shown_next_to_the_field(ready, slip, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    prefix = f"error-vitals-{slip.pk}"
    response = client.post(
        mark_url(ready.session, "vitals", slip), {f"{prefix}-reason": ""}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="vitals-{slip.pk}"')
    assert '<details class="entry-error" open>' in html
    field = html[html.index(f'for="id_{prefix}-reason"') :]
    assert field.index("Say why this entry is in error.") < field.index(f'name="{prefix}-reason"')
    assert not VitalSigns.entries.get(pk=slip.pk).entered_in_error


def test_without_htmx_it_redirects_to_the_section(ready, staff_client):
    client = sign_in(staff_client, ready, Role.THERAPIST)
    observation = services.record_observation(
        ready.session, ready.therapist, {"moaas": 5, "dissociation": "none"}
    )
    prefix = f"error-observation-{observation.pk}"
    response = client.post(
        mark_url(ready.session, "observation", observation), {f"{prefix}-reason": "Wrong chair."}
    )
    assert response.status_code == 302 and response["Location"].endswith("#observations")
    assert Observation.entries.get(pk=observation.pk).entered_in_error


def test_another_clinics_entry_or_an_unknown_kind_is_not_found(ready, slip, staff_client):
    client = staff_client(ready.world.two.staff[Role.NURSE])
    data = {f"error-vitals-{slip.pk}-reason": REASON}
    assert client.post(mark_url(ready.session, "vitals", slip), data).status_code == 404
    client = sign_in(staff_client, ready, Role.NURSE)
    assert client.post(mark_url(ready.session, "bogus", slip), data).status_code == 404
    assert not VitalSigns.entries.get(pk=slip.pk).entered_in_error


def test_the_pdf_shows_the_entry_struck_with_its_reason(ready, slip):
    services.mark_entered_in_error(slip, ready.nurse, REASON)
    session = DosingSession.objects.get(pk=ready.session.pk)
    text = squeezed(pdf_text(KINDS["session"].render(session, generated_by="Dr Test").pdf))
    assert squeezed("Entered in error") in text and squeezed(REASON) in text
    assert "190" in text  # still on the record


def test_the_export_withdraws_a_struck_reading_and_keeps_the_others(ready, slip):
    """A system that took an earlier copy must learn the reading was wrong (FHIR R4
    Observation.status `entered-in-error`), as with a struck dose; a good reading stays final."""
    from fhir.resources.R4B.observation import Observation as FhirObservation

    from kapclinic.clinic.models import Patient
    from kapclinic.reports.fhir import patient_bundle
    from kapclinic.reports.fhir.codes import resource_id

    good = ready.vitals(ready.session, ready.start + timedelta(minutes=12), systolic=128)
    services.mark_entered_in_error(slip, ready.nurse, REASON)
    patient = Patient.objects.select_related("clinic").get(pk=ready.course.patient_id)
    found = [e["resource"] for e in patient_bundle(patient)["entry"]]
    panels = {
        r["component"][0]["valueQuantity"]["value"]: r
        for r in found
        if r["resourceType"] == "Observation" and "component" in r
    }
    assert panels[190]["status"] == "entered-in-error"
    assert panels[190]["note"] == [{"text": f"Entered in error: {REASON}"}]
    assert panels[128]["status"] == "final" and "note" not in panels[128]
    by_id = {r["id"]: r for r in found}
    for part in ("hr", "spo2"):  # the rest of that reading goes with it
        assert by_id[resource_id("Observation", part, slip.pk)]["status"] == "entered-in-error"
        assert by_id[resource_id("Observation", part, good.pk)]["status"] == "final"
    for body in found:
        if body["resourceType"] == "Observation":
            FhirObservation.parse_obj(body)
