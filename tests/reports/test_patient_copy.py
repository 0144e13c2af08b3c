"""A patient's own copy of their record (HIPAA's right of access, GDPR's articles 15 and 20):
a page that says what the copy holds, a PDF to read and a FHIR file for another health app,
of their own record only, each copy in the audit trail."""

import json
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from kapclinic import reports
from kapclinic.clinic.models import Patient, Role
from kapclinic.demo.builder import dosing_session
from sessions.dose_errors import mark_dose_entered_in_error
from sessions.models import Administration

from .access import downloaded_pdf, the_export
from .once import built_once
from .pdf import pdf_text, squeezed
from .test_fhir import build_record, export

pytestmark = pytest.mark.django_db

PAGE, PDF, FHIR = "reports:my-record", "reports:my-record-pdf", "reports:my-record-fhir"


@pytest.fixture(scope="module")
def recorded(django_db_setup, django_db_blocker):
    """test_fhir's record: one patient's course with scores, a signed dosing session, hostile
    free text, diagnoses (one struck), and another patient of the same clinic."""
    with built_once(django_db_blocker) as world:
        yield SimpleNamespace(world=world, record=build_record(world))


@pytest.fixture
def patient(recorded):
    team, _ = recorded.record
    return team.course.patient


def test_the_patient_finds_their_copy_from_their_home_page(patient, client):
    type(patient.clinic).objects.filter(pk=patient.clinic_id).update(
        phone="+44 20 0000 0000", email="records@example.com"
    )
    client.force_login(patient.user)
    home = client.get(reverse("clinic:my-journey")).content.decode()
    assert reverse(PAGE) in home
    page = client.get(reverse(PAGE))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse(PDF) in html and reverse(FHIR) in html
    assert "A copy of my record" in html
    # What the copy leaves out is asked for from the clinic, whose contact is given.
    assert "notes are not in these files" in html
    assert "+44 20 0000 0000" in html and "mailto:records@example.com" in html
    # Opening the page takes no copy: only a download does.
    assert not patient_exports(patient)


def test_the_fhir_file_is_their_whole_record_as_the_clinic_exports_it(patient, client):
    client.force_login(patient.user)
    response = client.get(reverse(FHIR))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    attachment = f'attachment; filename="health-record-{patient.pk}.json"'
    assert response["Content-Disposition"] == attachment
    assert response["Cache-Control"] == "no-store"
    bundle = json.loads(response.content)
    Bundle.parse_obj(bundle)
    # The same resources the clinician's export holds, and nobody else's.
    theirs = {entry["fullUrl"] for entry in export(patient)["entry"]}
    assert {entry["fullUrl"] for entry in bundle["entry"]} == theirs
    assert "OTHER PATIENT EVENT" not in response.content.decode()
    the_export(patient.user, patient.pk, "FHIR record export (the patient's own copy)")


def test_the_pdf_reads_as_their_record(recorded, patient, client):
    team, session = recorded.record
    client.force_login(patient.user)
    response = client.get(reverse(PDF))
    text = pdf_text(downloaded_pdf(response, f"health-record-{patient.pk}.pdf"))
    flat = squeezed(text)
    for expected in (
        patient.legal_name,
        patient.clinic.name,
        "Your health record",
        team.course.get_indication_display(),
        "Consents",
        "Dosing sessions",
        "Vital signs",
        "Questionnaires",
        "Appointments",
        "F33.1",
    ):
        assert squeezed(expected) in flat, expected
    dose = Administration.objects.filter(session=session).first()
    assert squeezed(f"{dose.amount_mg.normalize():f} mg") in flat
    # Free text prints literally, and nothing of the other patient is there.
    assert squeezed("<script>alert('x')</script>") in flat
    assert "OTHER PATIENT EVENT" not in text
    # What the copy leaves out, and how to ask for it, is said on paper too.
    assert squeezed("clinicians' notes") in flat
    the_export(patient.user, patient.pk, "health record copy report (download)")


def test_a_dose_struck_out_shows_as_entered_in_error_with_its_reason(recorded, patient, client):
    team, session = recorded.record
    open_session = dosing_session(team, session.started_at + timezone.timedelta(days=1), sign=False)
    dose = Administration.objects.filter(session=open_session).first()
    mark_dose_entered_in_error(dose, team.prescriber, "Typed into the wrong patient")
    client.force_login(patient.user)
    response = client.get(reverse(PDF))
    text = squeezed(pdf_text(downloaded_pdf(response, f"health-record-{patient.pk}.pdf")))
    assert squeezed("Entered in error: Typed into the wrong patient") in text


def test_staff_and_strangers_take_no_patient_copy(recorded, client, sign_in):
    urls = [reverse(name) for name in (PAGE, PDF, FHIR)]
    sign_in(recorded.world.one.staff[Role.PRESCRIBER])
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not patient_exports(None)


def test_the_copy_is_read_in_the_same_number_of_queries_however_long_the_record(recorded, patient):
    team, session = recorded.record
    patient = Patient.objects.select_related("clinic").get(pk=patient.pk)
    with CaptureQueriesContext(connection) as before:
        reports.patient_record.build_context(patient, generated_by="test")
    for week in range(1, 4):
        dosing_session(team, session.started_at - timezone.timedelta(weeks=week))
    with CaptureQueriesContext(connection) as after:
        context = reports.patient_record.build_context(patient, generated_by="test")
    assert len(context["sessions"]) == 4
    assert len(after) == len(before) <= 16


def patient_exports(patient):
    from kapclinic.audit.models import AccessEvent

    rows = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT)
    return list(rows.filter(patient=patient) if patient else rows)


def test_each_patient_takes_a_copy_of_their_own_record_only(recorded, client):
    team, _ = recorded.record
    other = recorded.world.one.patients[1]
    client.force_login(other.user)
    response = client.get(reverse(PDF))
    text = pdf_text(downloaded_pdf(response, f"health-record-{other.pk}.pdf"))
    assert other.legal_name in text
    assert team.course.patient.legal_name not in text
