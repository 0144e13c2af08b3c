"""Consent on the chart's timeline, read as plain rows with SQL built once: the same entries
as the signatures, documents and withdrawals themselves say, new ones at once, text escaped."""

import pytest
from django.urls import reverse

from intake.consent import withdraw_consent, withdrawal_of
from intake.models import ConsentSignature
from intake.timeline import consent_timeline
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import clear_course, sign_consent
from tests.factories import CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db


def signed_course(world, name="Ana Silva"):
    course = CourseFactory(patient=PatientFactory(clinic=world.one.clinic, legal_name=name))
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    return course, sign_consent(course)


def from_the_records(courses):
    """What each signature's own objects say, as the timeline showed them before."""
    entries = []
    for signature in ConsentSignature.objects.filter(course__in=courses):
        document, url = signature.document, reverse("reports:signed-consent", args=[signature.pk])
        title = f"{document.title} v{document.version}"
        entries.append(
            (signature.signed_at, f"Consent signed: {title}", signature.signed_name, url)
        )
        if (withdrawal := withdrawal_of(signature)) is not None:
            entries.append((withdrawal.withdrawn_at, f"Consent withdrawn: {title}", None, url))
    return entries


def shown(entries):
    return [
        (
            e.at,
            e.title,
            None if "withdrawn" in e.title else e.detail.split("“")[1].split("”")[0],
            e.url,
        )
        for e in entries
    ]


def test_each_signature_and_withdrawal_as_the_records_say_and_new_ones_at_once(world):
    course, signature = signed_course(world)
    other, _ = signed_course(world, "Someone Else")
    assert shown(consent_timeline(course.patient, [course])) == from_the_records([course])
    withdraw_consent(signature, by=course.patient.user, reason="Moving abroad.")
    entries = consent_timeline(course.patient, [course])  # the statement is reused
    assert shown(entries) == from_the_records([course]) and len(entries) == 2
    assert entries[1].detail == "Withdrawn by the patient. Reason: Moving abroad."
    both = consent_timeline(course.patient, [course, other])
    assert shown(both) == from_the_records([course, other]) and len(both) == 3
    assert consent_timeline(course.patient, []) == []


def test_a_signed_name_is_escaped_on_the_chart(world, staff_client):
    course, _ = signed_course(world, "<script>alert(1)</script>")
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    page = client.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()
    assert "Signed “&lt;script&gt;alert(1)&lt;/script&gt;”" in page
    assert "<script>alert(1)" not in page
