"""A dosing session built step by step through the real services, so a test can stop short."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from intake.models import (
    ConsentDocument,
    ConsentSignature,
    IntakeSubmission,
    SuitabilityDecision,
    TreatmentPlan,
)
from kapclinic.clinic.models import Product, Role, Route
from sessions import services
from sessions.models import DosingSession
from tests.factories import AppointmentFactory

# PHQ-9 with item 9 at 0 and GAD-7 in the mild band: an unremarkable check-in.
GAD7_ANSWERS = {f"q{i}": 1 for i in range(1, 8)}
PHQ9_ANSWERS = {**{f"q{i}": 1 for i in range(1, 9)}, "q9": 0}


def fill_every_record(build):
    """A discharged session with a row in every table of its record (not yet signed)."""
    from sessions.discharge import discharge
    from sessions.gate_overrides import override_gate

    session = build(companion=False)
    override_gate(session, build.prescriber, "Taxi booked.")
    build.dose(session)
    reading = build.vitals(session, build.dose_at + timedelta(minutes=40), systolic=185)
    services.acknowledge_alert(reading.alerts.get(), build.nurse, "Rechecked: 160/85.")
    services.record_observation(session, build.therapist, {"moaas": 4, "dissociation": "mild"})
    services.record_adverse_event(
        session,
        build.nurse,
        {
            "kind": "nausea",
            "onset_at": build.dose_at + timedelta(minutes=30),
            "severity": "mild",
            "outcome": "resolved",
            "relatedness": "probable",
        },
    )
    discharge(session, build.nurse, build.discharge_data())
    return session


SUBLINGUAL_PLAN = {
    "route": Route.SUBLINGUAL,
    "product": Product.RACEMIC_KETAMINE,
    "dose_min_mg": 100,
    "dose_max_mg": 400,
}


def clear_course(course, prescriber, **plan):
    """Take a course from invited to cleared with a plan, as intake would."""
    patient_user = course.patient.user
    course.start_intake(patient_user)
    course.submit_intake(patient_user)
    course.begin_review(prescriber)
    course.clear(prescriber, "Suitable.")
    submission = IntakeSubmission.objects.create(
        course=course, number=1, answers={}, ruleset_version="test"
    )
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
    document = ConsentDocument.objects.filter(clinic=course.clinic, version=version).first()
    if document is None:  # published now, so it is the version in effect
        document = ConsentDocument.objects.create(
            clinic=course.clinic, version=version, body="Consent text."
        )
    return ConsentSignature.objects.create(
        course=course,
        document=document,
        signed_by=course.patient.user,
        signed_name=course.patient.legal_name,
        agreed=True,
    )


def check_in(appointment, by, *, start, phq9=None, **overrides):
    data = {
        "last_food_at": start - timedelta(hours=4),
        "last_drink_at": start - timedelta(hours=2),
        "companion_name": "Sam Example",
        "companion_phone": "+44 7700 900111",
        "new_medications": "",
        "new_substances": "",
        "possibly_pregnant": "no",
        **overrides,
    }
    services.save_check_in(appointment, by, data)
    services.save_check_in_questionnaire(appointment, by, "gad7", GAD7_ANSWERS, complete=True)
    services.save_check_in_questionnaire(
        appointment, by, "phq9", phq9 or PHQ9_ANSWERS, complete=True
    )
    return services.complete_check_in(appointment, by)


class Build:
    """Build a session for one clinic's first course, stopping after any step."""

    def __init__(self, world, clinic="one"):
        self.world = world
        side = getattr(world, clinic)
        self.course = side.courses[0]
        self.patient = self.course.patient.user
        self.prescriber = side.staff[Role.PRESCRIBER].user
        self.nurse = side.staff[Role.NURSE].user
        self.therapist = side.staff[Role.THERAPIST].user
        self.admin = side.staff[Role.CLINIC_ADMIN].user
        # The session started three hours ago, so a dose at +15 min is observable for 2 h+.
        self.start = timezone.now() - timedelta(hours=3)
        self.dose_at = self.start + timedelta(minutes=15)
        self.plan = {}  # the treatment plan's terms, over SUBLINGUAL_PLAN

    def __call__(
        self,
        *,
        clear=True,
        consent=True,
        checked_in=True,
        companion=True,
        vitals=True,
        weight=True,
        **check_in_overrides,
    ):
        if clear:
            clear_course(self.course, self.prescriber, **self.plan)
        if consent:
            sign_consent(self.course)
        self.appointment = AppointmentFactory(
            course=self.course, starts_at=self.start, ends_at=self.start + timedelta(hours=3)
        )
        session = services.open_session(self.appointment, self.nurse)
        DosingSession.objects.filter(pk=session.pk).update(started_at=self.start)
        session.refresh_from_db()
        if checked_in:
            check_in(self.appointment, self.patient, start=self.start, **check_in_overrides)
        if companion:
            services.confirm_companion(session, self.nurse)
        if weight:
            services.record_weight(session, self.nurse, Decimal("70.0"))
        if vitals:
            self.vitals(session, self.start + timedelta(minutes=5))
        self.session = DosingSession.objects.get(pk=session.pk)
        return self.session

    def vitals(self, session, taken_at, systolic=120, diastolic=80, heart_rate=72, spo2=98):
        return services.record_vitals(
            session,
            self.nurse,
            {
                "taken_at": taken_at,
                "systolic": systolic,
                "diastolic": diastolic,
                "heart_rate": heart_rate,
                "spo2": spo2,
            },
        )

    def dose_data(self, **overrides):
        return {
            "product": Product.RACEMIC_KETAMINE,
            "route": Route.SUBLINGUAL,
            "amount_mg": Decimal("200"),
            "lot_number": "LOT-42",
            "lot_expiry": timezone.localdate() + timedelta(days=365),
            "given_at": self.dose_at,
            "witnessed_by": self.nurse,
            **overrides,
        }

    def dose(self, session=None, by=None, **overrides):
        return services.record_dose(
            session or self.session, by or self.prescriber, self.dose_data(**overrides)
        )

    def discharge_data(self, **overrides):
        return {
            "activity": 2,
            "respiration": 2,
            "circulation": 2,
            "consciousness": 2,
            "spo2": 2,
            "companion_present": True,
            "aftercare_given": True,
            **overrides,
        }


@pytest.fixture
def build(world):
    return Build(world)


@pytest.fixture
def ready(build):
    """A session where every pre-dose check passes."""
    build()
    return build
