"""What happened to the demo patients after clearance: their dosing, integration and journal.

Amara had one dosing session ten days ago, with a blood-pressure rise that was acknowledged
and settled. Lee had two, an integration session after the first, wrote in their journal and
moved to integration; their PHQ-9 and GAD-7 fell from intake to the second check-in.
"""

from datetime import timedelta

from django.utils import timezone

from intake.models import PlanRevision
from intake.plans import revise_plan
from integration.reevaluation import record_reevaluation
from kapclinic.clinic import risk
from kapclinic.clinic.models import Reevaluation, ReevaluationDecision, Role

from .builder import NO_LONG_TERM_HARM
from .data import read
from .treatment import (
    Visit,
    begin_integration,
    book_integration,
    final_records_movable,
    integration_session,
    journal,
    past_dosing_session,
    shift,
    stamp_journey,
)

JOURNAL_PROMPTS = (
    "What stood out for you during the session?",
    "What would you like to remember from this week?",
    "What felt different in your body or mood since the session?",
)

# Amara's and Lee's dosing sessions (readings, scores, doses): data/visits.toml.
VISITS = read("visits")

LEE_NOTE = {
    "patient_account": (
        "Felt 'held' during the session. Noticed how much energy goes into rehearsing what "
        "could go wrong before meetings."
    ),
    "themes_insights": "Worry as protection; permission to speak before being certain.",
    "affect": "Bright, reflective; tearful once when talking about their father.",
    "persisting_effects": "Tired the next day; no perceptual changes since.",
    "adverse_psychological_effects": "None.",
    "suicide_risk_check": "no_concerns",
    "goals_action_steps": "Speak once in Thursday's team meeting; note the worry in the journal.",
    "next_dose_plan": "increase",
    "next_dose_plan_detail": "200 mg at the next session if the blood pressure allows.",
}

LEE_PRIVATE = (
    "The music pulled me somewhere I didn't expect: my dad's workshop, the smell of sawdust. "
    "I'm not ready to talk about that part yet."
)
LEE_SHARED = (
    "Spoke in the team meeting today. My heart raced beforehand, but I noticed I could sit "
    "with the worry instead of arguing with it, and it passed within a few minutes."
)


def amara(course, staff, day):
    """One signed dosing session `day` (its 10:00), an alert and an addendum."""
    return past_dosing_session(course, staff, Visit(start=day, **VISITS["amara"][0]))


def lee(course, staff, days, upcoming):
    """Two signed dosing sessions at `days`, a signed integration note after the first,
    two journal entries (one shared), then integration with a session `upcoming`."""
    therapist = staff[Role.THERAPIST]
    first, second = (
        past_dosing_session(course, staff, Visit(start=day, **visit))
        for day, visit in zip(days, VISITS["lee"], strict=True)
    )
    integration_session(first, staff, days[0] + timedelta(days=3, hours=4), LEE_NOTE)
    journal(course, LEE_PRIVATE, written_at=days[0] + timedelta(hours=10), session=first)
    journal(course, LEE_SHARED, written_at=days[0] + timedelta(days=8, hours=8), share=True)
    begin_integration(
        course,
        therapist.user,
        days[1] + timedelta(days=3, hours=4),
        "Two sessions given as planned with the prescriber; integration sessions go on.",
    )
    book_integration(second, therapist, upcoming)


# Lee's safety plan, written with their therapist at the integration session (Stanley-Brown).
LEE_SAFETY_PLAN = {
    "warning_signs": "Lying awake rehearsing conversations; cancelling plans; skipping meals.",
    "coping_strategies": "A run by the river; the breathing exercise from session; write it down.",
    "people_and_places": "The climbing wall on Tuesdays; coffee with Priya.",
    "people_to_ask": "My brother Tom (07700 900456); Priya (07700 900789).",
    "professionals": "Sam Lindqvist at the clinic, +44 117 000 0000 (weekdays); "
    "Samaritans 116 123; NHS 111, option 2; in an emergency 999.",
    "safer_environment": "Tom keeps the spare medicines; no alcohol in the flat for now.",
    "written_with_patient": True,
}


def lee_safety_plan(course, staff):
    """Version 1, then version 2 when Lee added a person to ask for help."""
    therapist = staff[Role.THERAPIST].user
    risk.save_safety_plan(course, therapist, LEE_SAFETY_PLAN)
    risk.save_safety_plan(
        course,
        therapist,
        {
            **LEE_SAFETY_PLAN,
            "people_to_ask": LEE_SAFETY_PLAN["people_to_ask"] + " My manager, Dee, at work.",
        },
    )


# Mina: PHQ-9 17 at intake, 13, 9, 6 over a three-session induction, 5 in maintenance.
def _mina_visit(phq9, gad7, dose_mg):
    return dict(
        phq9=phq9,
        gad7=gad7,
        weight_kg="66.0",
        dose_mg=dose_mg,
        vitals=[(5, 124, 80, 72, 98), (35, 146, 88, 80, 98), (75, 132, 82, 74, 99)],
        observation={
            "minute": 40,
            "moaas": 4,
            "dissociation": "moderate",
            "therapist_present": True,
            "support_notes": "Eyeshade and music; spoke about her mother's illness afterwards.",
        },
    )


MINA_INDUCTION = (
    _mina_visit((2, 2, 2, 1, 1, 2, 2, 1, 0), (1, 1, 1, 1, 1, 1, 1), 150),  # PHQ-9 13
    _mina_visit((1, 2, 1, 1, 1, 1, 1, 1, 0), (1, 1, 1, 1, 0, 1, 1), 200),  # 9
    _mina_visit((1, 1, 1, 1, 0, 1, 1, 0, 0), (1, 1, 0, 1, 0, 1, 0), 200),  # 6
)
MINA_MAINTENANCE = _mina_visit((1, 1, 1, 1, 0, 1, 0, 0, 0), (1, 0, 0, 1, 0, 1, 0), 200)  # 5
MINA_REEVALUATION = (
    "PHQ-9 17 → 6 after three sessions: a response, not yet remission. Well tolerated. "
    "Continue to maintenance: three sessions about four weeks apart, then re-evaluate."
)


def mina(course, staff, induction, *, reevaluated, maintenance):
    """A three-session induction (a plan revision), a prescriber's re-evaluation to
    maintenance with its signed plan, and the first maintenance session."""
    prescriber = staff[Role.PRESCRIBER].user
    since = timezone.now()
    revise_plan(
        course,
        prescriber,
        {"planned_dosing_sessions": 3},
        "An induction of three sessions, then re-evaluate (agreed with Mina at clearance).",
    )
    with final_records_movable():
        PlanRevision.objects.filter(plan__course=course, signed_at__gte=since).update(
            signed_at=induction[0] - timedelta(days=3)
        )
    for day, visit in zip(induction, MINA_INDUCTION, strict=True):
        past_dosing_session(course, staff, Visit(start=day, **visit))
    since = timezone.now()
    course.refresh_from_db()
    record_reevaluation(
        course,
        prescriber,
        ReevaluationDecision.MAINTENANCE,
        MINA_REEVALUATION,
        {"planned_dosing_sessions": 3, "integration_cadence": "One session after each dose"},
        screen=NO_LONG_TERM_HARM,
    )
    stamp_journey(course, since, reevaluated)
    Reevaluation.objects.filter(course=course).update(decided_at=reevaluated)
    with final_records_movable():
        shift(
            PlanRevision.objects.filter(plan__course=course, signed_at__gte=since),
            to=reevaluated,
            fields=["signed_at"],
        )
    course.refresh_from_db()
    past_dosing_session(course, staff, Visit(start=maintenance, **MINA_MAINTENANCE))
