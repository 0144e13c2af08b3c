"""Phase 2 records: an appointment, the patient's check-in, and a dosing session step by step.

The data helpers (`vitals_data`, `dose_data`, `discharge_data`) hold what an unremarkable
visit records; callers override only what their story needs.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kapclinic.clinic.models import Appointment, Product, Role, Route
from sessions import services
from sessions.models import DosingSession

from .intake import clear_course, sign_consent

# PHQ-9 with item 9 at 0 and GAD-7 in the mild band: an unremarkable check-in.
GAD7_ANSWERS = {f"q{i}": 1 for i in range(1, 8)}
PHQ9_ANSWERS = {**{f"q{i}": 1 for i in range(1, 9)}, "q9": 0}


def book(course, starts_at, *, hours=3, kind=Appointment.Kind.DOSING, **fields):
    """An appointment on the calendar as it stands (no booking rules: a test sets the scene)."""
    return Appointment.objects.create(
        course=course,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        **fields,
    )


def open_session(appointment, nurse, started_at):
    """Open the appointment's dosing session as if the nurse had opened it at `started_at`."""
    session = services.open_session(appointment, nurse)
    DosingSession.objects.filter(pk=session.pk).update(started_at=started_at)
    session.refresh_from_db()
    return session


def check_in_data(start, **overrides):
    """The day-of check-in form: fasted, a companion, nothing new since the last visit."""
    return {
        "last_food_at": start - timedelta(hours=4),
        "last_drink_at": start - timedelta(hours=2),
        "companion_name": "Sam Example",
        "companion_phone": "+44 7700 900111",
        "new_medications": "",
        "new_substances": "",
        "possibly_pregnant": "no",
        **overrides,
    }


def check_in(appointment, by, *, start, phq9=None, gad7=None, **overrides):
    """The patient's check-in with its GAD-7 and PHQ-9, completed."""
    services.save_check_in(appointment, by, check_in_data(start, **overrides))
    services.save_check_in_questionnaire(
        appointment, by, "gad7", gad7 or GAD7_ANSWERS, complete=True
    )
    services.save_check_in_questionnaire(
        appointment, by, "phq9", phq9 or PHQ9_ANSWERS, complete=True
    )
    return services.complete_check_in(appointment, by)


def vitals_data(taken_at, systolic=120, diastolic=80, heart_rate=72, spo2=98, **more):
    return {
        "taken_at": taken_at,
        "systolic": systolic,
        "diastolic": diastolic,
        "heart_rate": heart_rate,
        "spo2": spo2,
        **more,
    }


def dose_data(*, given_at, witnessed_by, amount_mg="200", lot_number="LOT-42", **overrides):
    """Sublingual racemic ketamine from an in-date lot."""
    return {
        "product": Product.RACEMIC_KETAMINE,
        "route": Route.SUBLINGUAL,
        "amount_mg": Decimal(amount_mg),
        "lot_number": lot_number,
        "lot_expiry": timezone.localdate() + timedelta(days=365),
        "given_at": given_at,
        "witnessed_by": witnessed_by,
        **overrides,
    }


def identity_data(recorded_at, consents_today=True, **overrides):
    """Full name and date of birth checked; the patient agreed aloud to go ahead today."""
    return {
        "first_identifier": "full_name",
        "second_identifier": "date_of_birth",
        "consents_today": consents_today,
        "recorded_at": recorded_at,
        **overrides,
    }


def discharge_data(**overrides):
    """Fit to go home: modified Aldrete 10 of 10, companion present, aftercare given."""
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


class Build:
    """Build a session for one clinic's first course, stopping after any step.

    `world` is the tests' two-clinic world: `getattr(world, clinic)` has `courses` and
    `staff` (providers by role).
    """

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
        identity=True,
        **check_in_overrides,
    ):
        if clear:
            clear_course(self.course, self.prescriber, **self.plan)
        if consent:
            sign_consent(self.course)
        self.appointment = book(self.course, self.start)
        session = open_session(self.appointment, self.nurse, self.start)
        if checked_in:
            check_in(self.appointment, self.patient, start=self.start, **check_in_overrides)
        if companion:
            services.confirm_companion(session, self.nurse)
        if weight:
            services.record_weight(session, self.nurse, Decimal("70.0"))
        if vitals:
            self.vitals(session, self.start + timedelta(minutes=5))
        if identity:
            self.identity(session)
        self.session = DosingSession.objects.get(pk=session.pk)
        return self.session

    def vitals(self, session, taken_at, systolic=120, diastolic=80, heart_rate=72, spo2=98):
        return services.record_vitals(
            session, self.nurse, vitals_data(taken_at, systolic, diastolic, heart_rate, spo2)
        )

    def recheck(self, session=None, minutes=40, **readings):
        """A settled reading `minutes` after the first dose (the BP rise peaks at 30-40 min):
        discharge needs a reading taken since the last dose (reference §4.2)."""
        return self.vitals(
            session or self.session, self.dose_at + timedelta(minutes=minutes), **readings
        )

    def identity(self, session=None, by=None, **overrides):
        """The nurse checks who the patient is and asks for their verbal consent (+6 min)."""
        overrides.setdefault("recorded_at", self.start + timedelta(minutes=6))
        data = identity_data(**overrides)
        return services.record_identity_check(session or self.session, by or self.nurse, data)

    def dose_data(self, **overrides):
        return dose_data(**{"given_at": self.dose_at, "witnessed_by": self.nurse, **overrides})

    def dose(self, session=None, by=None, **overrides):
        return services.record_dose(
            session or self.session, by or self.prescriber, self.dose_data(**overrides)
        )

    def adverse_event(self, session=None, *, minutes=20, by=None, **overrides):
        """A mild, resolved event `minutes` after the dose, probably related (nausea)."""
        data = {
            "kind": "nausea",
            "onset_at": self.dose_at + timedelta(minutes=minutes),
            "severity": "mild",
            "outcome": "resolved",
            "relatedness": "probable",
            **overrides,
        }
        return services.record_adverse_event(session or self.session, by or self.nurse, data)

    def discharge_data(self, **overrides):
        return discharge_data(**overrides)

    def fill_every_record(self):
        """A discharged session with a row in every table of its record (not yet signed)."""
        from sessions.discharge import discharge
        from sessions.gate_overrides import override_gate

        session = self(companion=False)
        override_gate(session, self.prescriber, "Taxi booked.")
        self.dose(session)
        reading = self.vitals(session, self.dose_at + timedelta(minutes=40), systolic=185)
        services.acknowledge_alert(reading.alerts.get(), self.nurse, "Rechecked: 160/85.")
        self.vitals(session, self.dose_at + timedelta(minutes=50), systolic=160, diastolic=85)
        services.record_observation(session, self.therapist, {"moaas": 4, "dissociation": "mild"})
        self.adverse_event(session, minutes=30)
        discharge(session, self.nurse, self.discharge_data())
        return session
