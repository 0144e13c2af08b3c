"""One record builder: realistic phase records made through the real services.

The demo seed and the tests both build records with it, so the records a test checks are the
records a clinic would hold, and a change to a service is met in one place:

- `intake`: a patient's answers to every wizard step; a course cleared (intake submitted, a
  signed decision and plan); a signed consent.
- `dosing`: a patient's check-in; vitals, dose and discharge data; `Build`, a dosing session
  taken step by step so a test can stop short of any check.
- `resources`: a clinic's rooms and chairs (dosing rooms, recliners, a therapy room,
  telehealth), for the appointments above.
- `course`: a whole course for one team: dosing visits from check-in to signature, integration
  notes, PHQ-9/GAD-7 scores over time and a shared journal entry.

It sits on the top floor (it imports every phase, nothing imports it but the demo and tests).
"""

from ..answers import NO, YES
from .course import (
    NO_LONG_TERM_HARM,
    TEXTS,
    VITALS_PROFILE,
    Team,
    dosing_session,
    gad7,
    integration_session,
    phq9,
    record_score,
    start_course,
    whole_course,
)
from .dosing import (
    GAD7_ANSWERS,
    PHQ9_ANSWERS,
    Build,
    book,
    check_in,
    check_in_data,
    discharge_data,
    dose_data,
    identity_data,
    open_session,
    vitals_data,
)
from .intake import (
    SUBLINGUAL_PLAN,
    clear_course,
    intake_answers,
    plan_terms,
    publish_consent,
    sign_consent,
    submit_intake,
)
from .resources import clinic_resources, room

__all__ = [
    "GAD7_ANSWERS",
    "NO",
    "NO_LONG_TERM_HARM",
    "PHQ9_ANSWERS",
    "SUBLINGUAL_PLAN",
    "TEXTS",
    "VITALS_PROFILE",
    "YES",
    "Build",
    "Team",
    "book",
    "check_in",
    "check_in_data",
    "clear_course",
    "clinic_resources",
    "discharge_data",
    "dose_data",
    "identity_data",
    "dosing_session",
    "gad7",
    "integration_session",
    "intake_answers",
    "open_session",
    "phq9",
    "plan_terms",
    "publish_consent",
    "record_score",
    "room",
    "sign_consent",
    "start_course",
    "submit_intake",
    "vitals_data",
    "whole_course",
]
