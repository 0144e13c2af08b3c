"""Phase 1 records: a patient's wizard answers, a cleared course with its plan, consent."""

from intake.consent import INTAKE_STATEMENT, record_signature
from intake.models import (
    ConsentDocument,
    IntakeSubmission,
    SuitabilityDecision,
    TreatmentPlan,
)
from intake.plans import PLAN_TERMS
from kapclinic.clinic.models import Product, Route

from ..answers import about, medical, medications, psychiatric, scale, substance

SUBLINGUAL_PLAN = {
    "route": Route.SUBLINGUAL,
    "product": Product.RACEMIC_KETAMINE,
    "dose_min_mg": 100,
    "dose_max_mg": 400,
}


def plan_terms(protocol):
    """The protocol's default plan (its terms but the goals, which are the patient's): what
    the review page offers a prescriber to sign."""
    return {name: getattr(protocol, name) for name in PLAN_TERMS if name != "goals"}


def intake_answers(patient):
    """POST data for each plain step and questionnaire, all answered and unremarkable."""
    return {
        "about": about(
            born="1985-06-15", sex="female", phone="+44 7700 900123", pronouns="she/her"
        ),
        "medical": medical(),
        "psychiatric": psychiatric(tried=["antidepressants"], outcome="Some help."),
        "medications": medications(),
        "substance": substance(),
        "auditc": scale(0, 0, 0),
        "gad7": scale(*[1] * 7),
        "phq9": scale(*[1] * 8, 0),
        "pcl5": scale(*[2] * 20),
        "goals": {"goals": "Feel less weighed down.", "intentions": "", "support": "My partner"},
        "consent": {"agreed": "on", "signed_name": patient.legal_name},
    }


def publish_consent(clinic, version="1.0"):
    """The clinic's consent document, published now (so it is the version in effect)."""
    return ConsentDocument.objects.create(clinic=clinic, version=version, body="Consent text.")


def submit_intake(course, answers=None):
    """The patient starts and submits intake; the submission awaits the prescriber's review."""
    patient_user = course.patient.user
    course.start_intake(patient_user)
    course.submit_intake(patient_user)
    return IntakeSubmission.objects.create(
        course=course, number=1, answers=answers or {}, ruleset_version="test"
    )


def clear_course(course, prescriber, **plan):
    """Take a course from invited to cleared with a plan, as intake would."""
    submission = submit_intake(course)
    course.begin_review(prescriber)
    course.clear(prescriber, "Suitable.")
    decision = SuitabilityDecision.objects.create(
        course=course,
        submission=submission,
        outcome=SuitabilityDecision.Outcome.CLEARED,
        rationale="Suitable.",
        decided_by=prescriber,
    )
    return TreatmentPlan.objects.create(
        course=course,
        decision=decision,
        planned_dosing_sessions=6,
        integration_cadence="Weekly",
        **{**SUBLINGUAL_PLAN, **plan},
    )


def sign_consent(course, version="1.0"):
    """The patient signs the clinic's consent `version` (published now if it is not yet)."""
    document = ConsentDocument.objects.filter(clinic=course.clinic, version=version).first()
    if document is None:
        document = publish_consent(course.clinic, version)
    signature, _ = record_signature(
        course,
        document,
        by=course.patient.user,
        signed_name=course.patient.legal_name,
        statement=INTAKE_STATEMENT,
    )
    return signature
