"""A course's records over time: whole dosing visits, integration notes, scores, a journal.

Every text a clinician or patient writes can be replaced (`Team.texts`), so a test can put
hostile strings in each free-text field; the reports' tests and `scripts/bench_reports.py`
build their courses here.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from integration import services as integration_services
from integration.journal import write_journal_entry
from kapclinic.clinic.models import Appointment, Role
from kapclinic.measures.models import QuestionnaireResponse
from sessions import services
from sessions.discharge import discharge
from sessions.gate_overrides import override_gate
from sessions.models import CheckIn, DosingSession

from .dosing import (
    book,
    check_in,
    discharge_data,
    dose_data,
    identity_data,
    open_session,
    vitals_data,
)
from .intake import clear_course, sign_consent
from .resources import room

# Minutes after the first dose, and the systolic pressure then: the 40-minute peak of §4.2.
VITALS_PROFILE = ((15, 138), (30, 152), (40, 184), (60, 146), (90, 132), (120, 124))
# A re-evaluation's long-term safety screen that finds nothing (reference §2, §4.4).
NO_LONG_TERM_HARM = {
    "urinary_symptoms": False,
    "misuse_signs": False,
    "cognitive_concerns": False,
    "liver_tests": "not_indicated",
}
TEXTS = {
    "override": "Companion arriving at 17:00; taxi booked as back-up. Benefit outweighs risk.",
    "new_medications": "Started sertraline 50 mg two weeks ago.",
    "support_notes": "Music and eye shades; hand on shoulder when asked.",
    "dissociation_notes": "Felt like floating above the chair; calm.",
    "event_description": "Brief tingling in both hands, settled without treatment.",
    "intervention": "Ondansetron 4 mg orally at 40 minutes.",
    "alert_action": "Rechecked after 5 min: 162/92; patient calm, monitoring continued.",
    "addendum": "Late entry: patient phoned at 20:00, home safely and sleeping.",
    "themes": "Grief for her father; noticed she had been holding her breath for years.",
    "addendum_note": "Late entry: patient asked for a longer next session.",
    "journal": "After the second session I slept through the night for the first time.",
}


def _fill(total, items):
    """Answers adding up to `total`, each of `items` at most 3, in order."""
    answers = {}
    left = total
    for i in range(1, items + 1):
        answers[f"q{i}"] = min(3, left)
        left -= answers[f"q{i}"]
    assert left == 0, f"{items} items reach {3 * items} at most"
    return answers


def phq9(total):
    """PHQ-9 answers adding up to `total`, item 9 left at 0 (no safety flag)."""
    return {**_fill(total, 8), "q9": 0}


def gad7(total):
    return _fill(total, 7)


ANSWERS = {"phq9": phq9, "gad7": gad7}


def record_score(course, instrument, total, *, purpose="check_in", at=None):
    """A completed questionnaire with this total, completed at `at`."""
    response = QuestionnaireResponse(course=course, instrument=instrument, purpose=purpose)
    response.save_answers(ANSWERS[instrument](total), complete=True)
    if at is not None:
        QuestionnaireResponse.objects.filter(pk=response.pk).update(completed_at=at, started_at=at)
        response.refresh_from_db()
    return response


@dataclass
class Team:
    course: object
    prescriber: object  # users
    nurse: object
    therapist: object
    texts: dict = field(default_factory=lambda: dict(TEXTS))

    @property
    def patient(self):
        return self.course.patient.user

    @classmethod
    def of(cls, side, index=0, texts=None):
        """Clinic `side` of the tests' `world` (world.one), its patient `index`'s course."""
        return cls(
            side.courses[index],
            side.staff[Role.PRESCRIBER].user,
            side.staff[Role.NURSE].user,
            side.staff[Role.THERAPIST].user,
            {**TEXTS, **(texts or {})},
        )


def start_course(team, *, baseline_phq9=21, at=None):
    """Clear the course with a plan and a signed consent; an intake PHQ-9 as the baseline."""
    clear_course(team.course, team.prescriber)
    sign_consent(team.course)
    if baseline_phq9 is not None:
        at = at or timezone.now() - timedelta(days=60)
        record_score(team.course, "phq9", baseline_phq9, purpose="intake", at=at)


def dosing_session(
    team,
    start,
    *,
    vitals=VITALS_PROFILE,
    boosters=1,
    override=True,
    observations=True,
    events=True,
    sign=True,
    addendum=True,
    phq9_total=None,
):
    """A whole dosing visit from the patient's check-in to the signature and an addendum.

    With `override`, staff never confirm the companion and a prescriber overrides that check.
    """
    texts = team.texts
    course = team.course
    appointment = book(course, start, resource=room(course.clinic, "Dosing room 2"))
    session = open_session(appointment, team.nurse, start)
    check_in(
        appointment,
        team.patient,
        start=start,
        phq9=phq9(phq9_total) if phq9_total is not None else None,
        new_medications=texts["new_medications"],
    )
    # The check-in questionnaires were answered that morning, not when this code ran.
    QuestionnaireResponse.objects.filter(
        course=course, purpose="check_in", completed_at__gt=start
    ).update(completed_at=start - timedelta(minutes=40), started_at=start - timedelta(hours=1))
    CheckIn.objects.filter(appointment=appointment).update(
        completed_at=start - timedelta(minutes=35)
    )
    if not override:
        services.confirm_companion(session, team.nurse)
    services.record_weight(session, team.nurse, Decimal("72.5"))
    record_vitals(team, session, start + timedelta(minutes=5), 128)
    services.record_identity_check(session, team.nurse, identity_data(start + timedelta(minutes=6)))
    if override:
        override_gate(session, team.prescriber, texts["override"])
    dose_at = start + timedelta(minutes=15)
    dose(team, session, dose_at, "200", "LOT-A1234")

    def readings(taken):
        for minute, systolic in taken:
            reading = record_vitals(team, session, dose_at + timedelta(minutes=minute), systolic)
            for alert in reading.alerts.all():
                services.acknowledge_alert(alert, team.nurse, texts["alert_action"])

    # A booster at +30 min waits for a reading since the first dose (sessions.gate).
    readings([(minute, systolic) for minute, systolic in vitals if minute < 30])
    for number in range(boosters):
        dose(team, session, dose_at + timedelta(minutes=30 + number), "50", f"LOT-B{number}")
    readings([(minute, systolic) for minute, systolic in vitals if minute >= 30])
    last_dose = 30 + boosters - 1 if boosters else 0
    if not any(minute >= last_dose for minute, _ in vitals):
        # Discharge needs a reading since the last dose (reference §4.2): a settled recheck.
        readings([(last_dose + 10, 124)])
    if observations:
        for minute, moaas, dissociation in ((20, 4, "moderate"), (45, 5, "mild")):
            services.record_observation(
                session,
                team.therapist,
                {
                    "observed_at": dose_at + timedelta(minutes=minute),
                    "moaas": moaas,
                    "dissociation": dissociation,
                    "dissociation_notes": texts["dissociation_notes"],
                    "therapist_present": True,
                    "support_notes": texts["support_notes"],
                },
            )
    if events:
        for kind, description, intervention in (
            ("nausea", "", texts["intervention"]),
            ("other", texts["event_description"], ""),
        ):
            services.record_adverse_event(
                session,
                team.nurse,
                {
                    "kind": kind,
                    "description": description,
                    "onset_at": dose_at + timedelta(minutes=35),
                    "severity": "mild",
                    "intervention": intervention,
                    "outcome": "resolved",
                    "relatedness": "probable",
                },
            )
    if sign:
        fit = discharge_data(spo2=1, discharged_at=dose_at + timedelta(minutes=150))
        discharge(session, team.nurse, fit)
        services.sign_session(session, team.prescriber)
        if addendum:
            services.add_addendum(session, team.prescriber, texts["addendum"])
    return DosingSession.objects.get(pk=session.pk)


def record_vitals(team, session, taken_at, systolic):
    """A full set of readings, diastolic and heart rate rising with the systolic."""
    data = vitals_data(
        taken_at,
        systolic,
        diastolic=70 + (systolic - 120) // 3,
        heart_rate=64 + (systolic - 120) // 4,
        spo2=97,
        respiratory_rate=14,
        temperature=Decimal("36.7"),
    )
    return services.record_vitals(session, team.nurse, data)


def dose(team, session, given_at, amount, lot):
    data = dose_data(given_at=given_at, witnessed_by=team.nurse, amount_mg=amount, lot_number=lot)
    return services.record_dose(session, team.prescriber, data)


def integration_session(team, after, *, sign=True, addendum=True):
    """The integration session two days after a dosing session, its note written and signed."""
    starts_at = after.started_at + timedelta(days=2)
    appointment = book(team.course, starts_at, hours=1, kind=Appointment.Kind.INTEGRATION)
    note = integration_services.open_integration_note(appointment, team.therapist)
    integration_services.record_integration_note(
        note,
        team.therapist,
        {
            "patient_account": "She described the session as spacious and kind.",
            "themes_insights": team.texts["themes"],
            "suicide_risk_check": "no_concerns",
            "next_dose_plan": "keep",
            "goals_action_steps": "Walk each morning; call her sister on Sundays.",
        },
    )
    if sign:
        integration_services.sign_integration_note(note, team.therapist)
        if addendum:
            integration_services.add_note_addendum(
                note, team.therapist, team.texts["addendum_note"]
            )
    return appointment


def whole_course(team, *, sessions=6, measures=None, days_apart=7, vitals=VITALS_PROFILE):
    """A course of `sessions` dosing sessions a week apart, each followed by integration, PHQ-9
    falling from 21 at intake; `measures` more PHQ-9 follow-ups spread over the course."""
    first = timezone.now() - timedelta(days=days_apart * sessions + 3, hours=-1)
    first = first.replace(hour=9, minute=30, second=0, microsecond=0)
    start_course(team, at=first - timedelta(days=14))
    built = []
    for number in range(sessions):
        start = first + timedelta(days=days_apart * number)
        total = max(3, 20 - 2 * number)
        session = dosing_session(team, start, phq9_total=total, vitals=vitals, addendum=number == 0)
        integration_session(team, session, addendum=number == 0)
        built.append(session)
    for number in range(measures or 0):
        at = first + timedelta(days=(days_apart * sessions) * number / max(measures, 1), hours=5)
        record_score(team.course, "phq9", max(2, 19 - number // 2), purpose="follow_up", at=at)
    write_journal_entry(team.patient, team.course, team.texts["journal"], share=True)
    team.course.refresh_from_db()
    return built
