"""The signed copy quotes the box the patient ticked, in its own words (walk of 7 Dec 2026,
C2): every PDF printed "I have read and understood this information and I consent.", words
neither the intake's box ("... I consent to treatment.") nor the re-consent page's box ("I have
read this version, including what changed, and I consent.") ever showed."""

import pytest

from intake.consent import sign_consent, withdraw_consent
from intake.forms import SignConsentForm
from intake.models import ConsentDocument
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import clear_course
from kapclinic.reports.kinds import KINDS

from .pdf import pdf_text, squeezed

pytestmark = pytest.mark.django_db

MISQUOTE = "I have read and understood this information and I consent."


def printed(signature):
    return squeezed(pdf_text(KINDS["consent"].render(signature, generated_by="test").pdf))


def test_a_re_signed_version_quotes_the_re_consent_box(world):
    course = world.one.courses[0]
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    document = ConsentDocument.objects.create(clinic=course.clinic, version="2.0", body="Text.")
    patient = course.patient.user
    first = sign_consent(course, document, by=patient, signed_name=course.patient.legal_name)
    text = printed(first)
    assert squeezed(SignConsentForm.base_fields["agreed"].label) in text
    assert squeezed(MISQUOTE) not in text
    # Signed again after a withdrawal: the copy says which withdrawal it ends.
    withdrawal = withdraw_consent(first, by=patient)
    again = sign_consent(course, document, by=patient, signed_name=course.patient.legal_name)
    assert again.restores == withdrawal
    text = printed(again)
    assert squeezed("Signed again after withdrawing") in text
