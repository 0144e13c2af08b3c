"""The signed-consent PDF: the text and the signature, nothing fetched, for its patient and
their clinic's staff only, every copy audit-logged."""

import pytest
from django.urls import reverse

from intake.consent import sign_consent, withdraw_consent
from intake.models import ConsentDocument
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import CourseState, Role
from kapclinic.demo.builder import clear_course
from kapclinic.reports.kinds import KINDS

from .access import the_export
from .pdf import embedded_files, pdf_text, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture
def signature(world):
    course = world.one.courses[0]
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    assert course.state == CourseState.CLEARED
    document = ConsentDocument.objects.create(
        clinic=course.clinic,
        version="2.1",
        title="Consent to ketamine-assisted psychotherapy",
        body="You may feel dissociation for up to two hours.\n\nYou will not drive that day.",
        summary_of_changes="Driving advice made clearer.",
    )
    return sign_consent(
        course,
        document,
        by=course.patient.user,
        signed_name=course.patient.legal_name,
        ip_address="203.0.113.7",
    )


def download(client, signature):
    response = client.get(reverse("reports:my-signed-consent", args=[signature.pk]))
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


def test_pdf_holds_the_text_version_signature_time_and_address(signature):
    pdf = KINDS["consent"].render(signature, generated_by="test").pdf
    text = squeezed(pdf_text(pdf))
    patient = signature.course.patient
    for expected in (
        "You may feel dissociation for up to two hours.",
        "You will not drive that day.",
        "Driving advice made clearer.",
        "Version2.1",
        f"“{patient.legal_name}”(typedfullname)",
        "203.0.113.7",
    ):
        assert squeezed(expected) in text, expected
    assert f"{signature.signed_at.astimezone(patient.clinic.tz):%Y}" in text


def test_hostile_text_prints_literally_and_nothing_is_fetched(world, listener):
    course = world.one.courses[0]
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    hostile = f'<img src="{listener.url}leak.png"><link rel="attachment" href="file:///etc/passwd">'
    document = ConsentDocument.objects.create(
        clinic=course.clinic, version="1.0", body=f"Text {hostile}", title=f"Consent {hostile}"
    )
    signature = sign_consent(
        course, document, by=course.patient.user, signed_name=course.patient.legal_name
    )
    withdraw_consent(signature, by=course.patient.user, reason=hostile)
    signature.refresh_from_db()
    pdf = KINDS["consent"].render(signature, generated_by="test").pdf
    assert squeezed(hostile) in squeezed(pdf_text(pdf))
    assert listener.connections == []
    assert embedded_files(pdf) == []
    assert b"root:x:0:0" not in pdf


def test_patient_downloads_their_own_copy_and_it_is_audited(signature, client):
    client.force_login(signature.course.patient.user)
    response, pdf = download(client, signature)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "You may feel dissociation" in pdf_text(pdf)
    patient = signature.course.patient
    the_export(patient.user, patient.pk, "signed consent report (download)")


def test_patient_a_cannot_download_patient_bs_signed_consent(world, signature, client):
    client.force_login(world.one.patients[1].user)
    response, _ = download(client, signature)
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.DENIED, patient_id=signature.course.patient_id
    ).exists()


def test_staff_of_the_clinic_download_and_another_clinic_gets_404(world, signature, sign_in):
    url = reverse("reports:signed-consent", args=[signature.pk])
    nurse = sign_in(world.one.staff[Role.NURSE])
    response = nurse.get(url)
    assert response.status_code == 200
    assert "203.0.113.7" in pdf_text(b"".join(response.streaming_content))
    outsider = sign_in(world.two.staff[Role.PRESCRIBER])
    assert outsider.get(url).status_code == 404
    exports = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT)
    assert [e.actor for e in exports] == [world.one.staff[Role.NURSE].user]


def test_staff_url_refuses_patients_and_patient_url_refuses_staff(world, signature, client):
    client.force_login(signature.course.patient.user)
    staff_url = reverse("reports:signed-consent", args=[signature.pk])
    assert client.get(staff_url).status_code == 403
    client.force_login(world.one.staff[Role.NURSE].user)
    assert download(client, signature)[0].status_code in (302, 403)


def test_fhir_export_marks_a_withdrawn_consent_inactive_from_the_withdrawal(signature):
    from kapclinic.reports.fhir import patient_bundle
    from kapclinic.reports.fhir.codes import instant

    course = signature.course
    withdrawal = withdraw_consent(signature, by=course.patient.user, reason="")

    def consent_resource():
        bundle = patient_bundle(course.patient)
        (entry,) = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"]
        return entry["resource"]

    resource = consent_resource()
    assert resource["status"] == "inactive"
    assert resource["scope"]["coding"][0]["code"] == "treatment"
    assert resource["provision"]["period"]["end"] == instant(withdrawal.withdrawn_at)
