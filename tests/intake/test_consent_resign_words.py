"""Signing again the very version one withdrew (walk of 7 Dec 2026, low): the page said "What
changed since the version you signed (version 2.0): the clinic did not write a summary",
though nothing changed; it now says the signature restores the consent withdrawn."""

import pytest
from django.urls import reverse

from intake.consent import withdraw_consent
from intake.models import ConsentSignature

pytestmark = pytest.mark.django_db


def test_the_sign_page_after_a_withdrawal_says_it_restores_the_consent(ready, second_client):
    signature = ConsentSignature.objects.get(course=ready.course)
    withdraw_consent(signature, by=ready.patient)
    second_client.force_login(ready.patient)
    page = second_client.get(
        reverse("intake:sign-consent", args=[signature.document_id])
    ).content.decode()
    assert "What changed since" not in page
    assert "Signing it again restores your consent" in page
