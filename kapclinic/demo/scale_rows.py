"""Rows of one course for the scale seed, in their final state (see kapclinic/demo/scale.py).

Each function appends plain column dicts to `out` (model → rows); the ids are reserved up
front so a child row can name its parent before either is written. Values stay inside the
protocol's hold and alert limits, so no alert or flag the app would have raised is missing.
"""

from datetime import timedelta
from decimal import Decimal
from functools import cache

from integration.models import (
    CourseClosure,
    IntegrationNote,
    JournalEntry,
    MeasureRequest,
    NextDosePlan,
    SuicideRiskCheck,
)
from kapclinic.clinic.models import Appointment, Product, Route
from kapclinic.instruments import get_instrument
from kapclinic.measures.models import QuestionnaireResponse
from kapclinic.reminders.models import Kind, Reminder, SubjectType
from kapclinic.reminders.models import Status as ReminderStatus
from sessions.models import (
    Administration,
    CheckIn,
    Discharge,
    DosingSession,
    IdentityCheck,
    Observation,
    VitalSigns,
)

from .builder.dosing import discharge_data, identity_data

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
VISIT = timedelta(hours=2, minutes=30)
# Minutes after arrival of each vitals reading; a session records the first 6 to 8.
VITALS_MINUTES = (0, 15, 30, 40, 60, 90, 120, 135)
JOURNAL_LINES = (
    "Felt a lot of space between me and the old worries during the session.",
    "Slept well the night after. Noticed I was kinder to myself at work.",
    "Hard week. The insight about my father keeps coming back, gently.",
    "Walked by the river and could just notice things without judging them.",
    "Talked to my sister about the session; it felt easier than before.",
)
NOTE_TEXT = {
    "patient_account": "Described the session as calm, with a sense of distance from old fears.",
    "themes_insights": "Self-compassion; reconnecting with family; grief held more lightly.",
    "affect": "Euthymic, reactive, engaged.",
    "persisting_effects": "None reported.",
    "adverse_psychological_effects": "None.",
    "goals_action_steps": "Daily walk; one conversation with her sister this week.",
}


@cache
def scored(code, total):
    """Field values of a completed response of `code` adding up to about `total`.

    Answers go to the earliest items first; PHQ-9 item 9 stays 0, since a positive answer
    raises an urgent flag the seed does not model.
    """
    definition = get_instrument(code)
    answers, left = {}, total
    for item in definition.items:
        low = min(item.values)
        if not item.scored or (code == "phq9" and item.key == "q9"):
            answers[item.key] = low
            continue
        value = max(v for v in item.values if v <= max(left, low))
        answers[item.key] = value
        left -= item.points(value)
    response = QuestionnaireResponse(instrument=code)
    response._store(definition, answers, definition.score(answers), complete=True)
    fields = [
        "answers",
        "total",
        "band",
        "severity",
        "band_meaning",
        "flags",
        "subscales",
        "tier",
        "parameters",
        "instrument_version",
    ]
    return {name: getattr(response, name) for name in fields}


def response(out, ids, course, code, purpose, total, at, by):
    """A completed questionnaire; returns its id."""
    pk = ids[QuestionnaireResponse]()
    out[QuestionnaireResponse].append(
        {
            "id": pk,
            "course_id": course.id,
            "instrument": code,
            "purpose": purpose,
            "status": QuestionnaireResponse.Status.COMPLETED,
            "started_at": at - 6 * MINUTE,
            "completed_at": at,
            "updated_at": at,
            "created_by_id": by,
            **scored(code, max(0, total)),
        }
    )
    return pk


def reminder(out, ids, course, kind, subject_type, subject_id, due, now):
    sent = due <= now
    out[Reminder].append(
        {
            "id": ids[Reminder](),
            "kind": kind,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "due_at": due,
            "clinic_id": course.clinic_id,
            "patient_id": course.patient_id,
            "send_after": due,
            "status": ReminderStatus.SENT if sent else ReminderStatus.DUE,
            "attempts": 1 if sent else 0,
            "sent_at": due + 2 * MINUTE if sent else None,
            "created_at": min(due, now) - DAY,
            "updated_at": min(due, now),
        }
    )


def appointment(out, ids, course, kind, starts, clinician, status, resource_id=None):
    pk = ids[Appointment]()
    out[Appointment].append(
        {
            "id": pk,
            "course_id": course.id,
            "clinic_id": course.clinic_id,
            "patient_id": course.patient_id,
            "kind": kind,
            "starts_at": starts,
            "ends_at": starts + VISIT,
            "clinician_id": clinician.id,
            "resource_id": resource_id,
            "status": status,
            "created_at": starts - 10 * DAY,
            "changed_at": starts - 10 * DAY,
        }
    )
    return pk


def pre_dose_measures(out, ids, course, appointment_id, starts, scores, now, protocol, *, answer):
    """PHQ-9 and GAD-7 asked before the dose (the protocol's schedule): answered or open."""
    responses = {}
    for code in ("phq9", "gad7"):
        answered = answer and starts - HOUR <= now
        pk = (
            response(
                out, ids, course, code, "check_in", scores[code], starts - HOUR, course.user_id
            )
            if answered
            else None
        )
        responses[code] = pk
        out[MeasureRequest].append(
            {
                "id": ids[MeasureRequest](),
                "course_id": course.id,
                "instrument": code,
                "purpose": "check_in",
                "timepoint": f"dose:{appointment_id}",
                "label": f"Before the dosing session on {starts:%a} {starts.day} {starts:%b}",
                "appointment_id": appointment_id,
                "opens_at": starts - protocol.pre_dose_lead_hours * HOUR,
                "due_at": starts,
                "expires_at": starts + VISIT,
                "status": MeasureRequest.Status.COMPLETED
                if pk
                else MeasureRequest.Status.REQUESTED,
                "response_id": pk,
                "completed_at": starts - HOUR if pk else None,
                "created_at": starts - 10 * DAY,
            }
        )
    return responses


def check_in(out, ids, course, appointment_id, starts, responses):
    out[CheckIn].append(
        {
            "id": ids[CheckIn](),
            "appointment_id": appointment_id,
            "gad7_id": responses["gad7"],
            "phq9_id": responses["phq9"],
            "last_food_at": starts - 4 * HOUR,
            "last_drink_at": starts - 2 * HOUR,
            "companion_name": "Chris Example",
            "companion_phone": "+44 7700 900999",
            "possibly_pregnant": "no",
            "completed_at": starts - HOUR,
            "completed_by_id": course.user_id,
            "created_at": starts - 2 * HOUR,
            "updated_at": starts - HOUR,
        }
    )


def dosing_session(out, ids, course, team, appointment_id, starts, rng, *, signed, readings):
    """The session with its identity check, dose, vitals, observations and (once signed)
    discharge."""
    session_id = ids[DosingSession]()
    nurse, prescriber = team.nurse.user_id, team.prescriber.user_id
    weight = Decimal(rng.randrange(550, 1050)) / 10
    dose_at = starts + 15 * MINUTE
    check = identity_data(starts + 6 * MINUTE, session_id=session_id, recorded_by_id=nurse)
    out[IdentityCheck].append({"id": ids[IdentityCheck](), **check})
    out[Administration].append(
        {
            "id": ids[Administration](),
            "session_id": session_id,
            "product": Product.RACEMIC_KETAMINE,
            "route": Route.SUBLINGUAL,
            "amount_mg": Decimal(rng.choice((100, 150, 200, 250, 300))),
            "weight_kg": weight,
            "lot_number": "KET-2026-0417",
            "lot_expiry": (starts + 300 * DAY).date(),
            "given_at": dose_at,
            "given_by_id": prescriber,
            "witnessed_by_id": nurse,
            "recorded_by_id": nurse,
            "created_at": dose_at,
        }
    )
    base_sys, base_dia, base_hr = (
        rng.randrange(112, 134),
        rng.randrange(68, 84),
        rng.randrange(60, 88),
    )
    for minute in VITALS_MINUTES[:readings]:
        # domain reference §4.2: the blood pressure peaks about 40 minutes after the dose.
        rise = max(0, 30 - abs(minute - 40)) if minute else 0
        out[VitalSigns].append(
            {
                "id": ids[VitalSigns](),
                "session_id": session_id,
                "taken_at": starts + minute * MINUTE,
                "systolic": base_sys + rise,
                "diastolic": base_dia + rise // 3,
                "heart_rate": base_hr + rise // 4,
                "spo2": rng.randrange(96, 100),
                "respiratory_rate": rng.randrange(12, 18),
                "recorded_by_id": nurse,
                "created_at": starts + minute * MINUTE,
            }
        )
    for minute, moaas, dissociation in ((40, 4, "moderate"), (90, 5, "mild")):
        if minute > VITALS_MINUTES[readings - 1] and not signed:
            break
        out[Observation].append(
            {
                "id": ids[Observation](),
                "session_id": session_id,
                "observed_at": starts + minute * MINUTE,
                "moaas": moaas,
                "dissociation": dissociation,
                "therapist_present": True,
                "recorded_by_id": nurse,
                "created_at": starts + minute * MINUTE,
            }
        )
    if signed:
        out[Discharge].append(
            {
                "id": ids[Discharge](),
                "session_id": session_id,
                **discharge_data(discharged_at=dose_at + 2 * HOUR + 10 * MINUTE),
                "discharged_by_id": nurse,
                "failed_criteria": [],
            }
        )
    out[DosingSession].append(
        {
            "id": session_id,
            "appointment_id": appointment_id,
            "course_id": course.id,
            "protocol_id": team.protocol.id,
            "protocol_snapshot": team.snapshot,
            "status": DosingSession.Status.SIGNED if signed else DosingSession.Status.OPEN,
            "started_at": starts,
            "opened_by_id": nurse,
            "weight_kg": weight,
            "companion_confirmed": True,
            "companion_confirmed_by_id": nurse,
            "signed_by_id": prescriber if signed else None,
            "signed_at": starts + 3 * HOUR if signed else None,
        }
    )
    return session_id


def integration_note(out, ids, course, team, appointment_id, session_id, starts, rng):
    written = starts + HOUR
    out[IntegrationNote].append(
        {
            "id": ids[IntegrationNote](),
            "appointment_id": appointment_id,
            "course_id": course.id,
            "dosing_session_id": session_id,
            "status": IntegrationNote.Status.SIGNED,
            **NOTE_TEXT,
            "suicide_risk_check": SuicideRiskCheck.NO_CONCERNS,
            "next_dose_plan": rng.choice((NextDosePlan.KEEP, NextDosePlan.INCREASE)),
            "written_by_id": team.therapist.user_id,
            "created_at": written,
            "updated_at": written + HOUR,
            "signed_by_id": team.therapist.user_id,
            "signed_at": written + HOUR,
        }
    )


def journal(out, ids, course, session_id, at, rng, *, shared):
    out[JournalEntry].append(
        {
            "id": ids[JournalEntry](),
            "course_id": course.id,
            "dosing_session_id": session_id,
            "body": rng.choice(JOURNAL_LINES),
            "written_at": at,
            "shared_at": at + HOUR if shared else None,
            "risk_phrases": [],
        }
    )


def closure(out, ids, course, team, outcome, ended, reason):
    out[CourseClosure].append(
        {
            "id": ids[CourseClosure](),
            "course_id": course.id,
            "outcome": outcome,
            "effective_on": ended.date(),
            "reason": reason,
            "recorded_by_id": team.therapist.user_id,
            "recorded_at": ended,
        }
    )


def follow_up(out, ids, course, ended, scores, now, protocol):
    """The end-of-course and later questionnaires (domain reference §5): answered when due."""
    window = protocol.measure_window_days * DAY
    for weeks, timepoint, label in (
        (0, "end", "End of the course"),
        (1, "after:1w", "1 week after the course"),
        (4, "after:4w", "4 weeks after the course"),
        (12, "after:12w", "12 weeks after the course"),
    ):
        opens = ended + timedelta(weeks=weeks)
        for code in ("phq9", "gad7", "pcl5"):
            answered = opens + 2 * DAY <= now
            pk = (
                response(
                    out,
                    ids,
                    course,
                    code,
                    "follow_up",
                    scores[code],
                    opens + 2 * DAY,
                    course.user_id,
                )
                if answered
                else None
            )
            expired = not answered and opens + 2 * window <= now
            out[MeasureRequest].append(
                {
                    "id": ids[MeasureRequest](),
                    "course_id": course.id,
                    "instrument": code,
                    "purpose": "follow_up",
                    "timepoint": timepoint,
                    "label": label,
                    "opens_at": opens,
                    "due_at": opens + window,
                    "expires_at": opens + 2 * window,
                    "status": "completed" if pk else ("expired" if expired else "requested"),
                    "response_id": pk,
                    "completed_at": opens + 2 * DAY if pk else None,
                    "created_at": ended,
                }
            )
        reminder(
            out, ids, course, Kind.MEASURE_DUE, SubjectType.COURSE_MEASURES, course.id, opens, now
        )
