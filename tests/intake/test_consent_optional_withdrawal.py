"""Withdrawing a consent that dosing does not need (walk of 7 Dec 2026, C1): a patient who
takes back their research consent was told "No further doses will be given" and a safety flag
"Do not dose" held every dose, though the gate never asks for that consent."""

import pytest
from django.urls import reverse

from intake.consent import RESIGN_STATEMENT, WITHDRAWAL_FLAG, record_signature
from intake.models import ConsentDocument, ConsentKind, ConsentSignature
from kapclinic.clinic.models import SafetyFlag
from sessions.gate import evaluate_gate, failing

pytestmark = pytest.mark.django_db


@pytest.fixture
def research(ready):
    document = ConsentDocument.objects.create(
        clinic=ready.course.clinic,
        kind=ConsentKind.RESEARCH,
        title="Use of my records in research",
        version="1.0",
        body="Research text.",
        required_before_dosing=False,
    )
    return record_signature(
        ready.course,
        document,
        by=ready.patient,
        signed_name=ready.course.patient.legal_name,
        statement=RESIGN_STATEMENT,
    )[0]


def test_withdrawing_an_optional_consent_does_not_hold_dosing(ready, research, second_client):
    second_client.force_login(ready.patient)
    url = reverse("intake:withdraw-consent", args=[research.pk])
    page = second_client.get(url).content.decode()
    assert "No further doses" not in page
    assert "Your treatment is not affected" in page
    response = second_client.post(url, {"reason": "Not for me."}, follow=True)
    said = response.content.decode()
    assert "No further doses" not in said and "Your treatment is not affected" in said
    assert not SafetyFlag.objects.filter(course=ready.course, source=WITHDRAWAL_FLAG).exists()
    assert not failing(evaluate_gate(ready.session))


def test_withdrawing_the_treatment_consent_still_holds_dosing(ready, second_client):
    signature = ConsentSignature.objects.get(course=ready.course)
    second_client.force_login(ready.patient)
    url = reverse("intake:withdraw-consent", args=[signature.pk])
    assert "No further doses" in second_client.get(url).content.decode()
    second_client.post(url, {"reason": ""})
    flag = SafetyFlag.objects.get(course=ready.course, source=WITHDRAWAL_FLAG)
    assert "Do not dose" in flag.reason
    assert {"consent", "safety_flags"} <= {i.key for i in failing(evaluate_gate(ready.session))}
