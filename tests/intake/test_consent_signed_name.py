"""A consent is signed with the patient's own full name: the rule sat only in the form
(`ConsentForm.clean_signed_name`), so a shell or any other writer could file a signature in
another name. It now sits in `record_signature`, which the intake and re-consent both call
(walk of 7 Dec 2026, patient on a phone)."""

import pytest
from django.core.exceptions import ValidationError

from intake.consent import sign_consent, withdraw_consent
from intake.models import ConsentSignature

pytestmark = pytest.mark.django_db


def test_a_signature_in_another_name_is_refused_beside_the_name(ready):
    first = ConsentSignature.objects.get(course=ready.course)
    withdraw_consent(first, by=ready.patient, reason="A pause.")
    with pytest.raises(ValidationError) as refused:
        sign_consent(ready.course, first.document, by=ready.patient, signed_name="Someone Else")
    [message] = refused.value.message_dict["signed_name"]
    assert ready.course.patient.legal_name in message
    assert ConsentSignature.objects.filter(course=ready.course).count() == 1


def test_case_and_spacing_do_not_matter(ready):
    first = ConsentSignature.objects.get(course=ready.course)
    withdraw_consent(first, by=ready.patient, reason="A pause.")
    name = "  ".join(ready.course.patient.legal_name.upper().split())
    again = sign_consent(ready.course, first.document, by=ready.patient, signed_name=f" {name} ")
    assert again != first
