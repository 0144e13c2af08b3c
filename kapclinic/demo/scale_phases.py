"""The rows of each phase of one course for the scale seed (see kapclinic/demo/scale.py).

Intake copies the network's one real submission; dosing and integration come from
kapclinic/demo/scale_rows.py. Methods of `ScaleSeeder`, kept apart to keep files small.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from intake.models import (
    ConsentDocument,
    ConsentSignature,
    IntakeRecord,
    IntakeSubmission,
    RuleHit,
    SuitabilityDecision,
    TreatmentPlan,
)
from kapclinic.clinic.models import Clinic, CourseState, Protocol, Provider, SafetyFlag
from kapclinic.measures.models import QuestionnaireResponse
from kapclinic.reminders.models import Kind, SubjectType

from . import scale_rows as rows
from .builder.intake import plan_terms

S = CourseState
DAY, HOUR = rows.DAY, rows.HOUR
# Made-up names, mixed so that a search finds several patients and most find a few.
FIRST = [
    "Amara",
    "Ben",
    "Chen",
    "Dana",
    "Eli",
    "Farah",
    "Gita",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemi",
    "Lena",
    "Malik",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
]
FIRST += [
    "Rosa",
    "Sami",
    "Tariq",
    "Uma",
    "Vera",
    "Wen",
    "Yara",
    "Zoe",
    "Ali",
    "Bea",
    "Cyrus",
    "Dev",
    "Esme",
    "Finn",
    "Hana",
    "Ivo",
    "Jade",
]
LAST = [
    "Silva",
    "Okafor",
    "Lindqvist",
    "Nair",
    "Haddad",
    "Park",
    "Morgan",
    "Ellis",
    "Achterberg",
    "Novak",
    "Rossi",
    "Kaur",
]
LAST += [
    "Dubois",
    "Tanaka",
    "Mensah",
    "Garcia",
    "Müller",
    "O'Brien",
    "Kowalski",
    "Andersen",
    "Costa",
    "Yilmaz",
    "Ward",
]


@dataclass
class Team:
    """Who looks after a course, and the protocol its sessions run under."""

    prescriber: Provider
    therapist: Provider
    nurse: Provider
    protocol: Protocol
    snapshot: dict


@dataclass
class Course:
    id: int
    clinic_id: int
    patient_id: int
    user_id: int | None


class Slots:
    """Non-overlapping times for live appointments, per prescriber (and their room)."""

    def __init__(self, start):
        self.start, self.used = start, Counter()

    def next(self, prescriber, *, per_day=3, step=3):
        n = self.used[prescriber.id]
        self.used[prescriber.id] += 1
        day, slot = n // per_day, n % per_day
        return self.start + timedelta(days=day, hours=step * slot)


class PhaseRows:
    def intake(self, out, course, stage, invited, submitted, legal):
        template, ids = self.template, self.ids
        record = template["record"]
        steps = record.completed_steps if submitted else record.completed_steps[:3]
        answers = {key: record.answers[key] for key in steps if key in record.answers}
        out[IntakeRecord].append(
            {
                "id": ids[IntakeRecord](),
                "course_id": course.id,
                "answers": self.with_signature(answers, legal) if stage != S.INVITED else {},
                "completed_steps": steps if stage != S.INVITED else [],
                "updated_at": invited + 5 * DAY,
            }
        )
        if not submitted:
            return
        at = invited + 5 * DAY
        remapped = {}
        for code, source in template["responses"].items():
            pk = ids[QuestionnaireResponse]()
            remapped[code] = pk
            out[QuestionnaireResponse].append(
                {
                    **{f.attname: getattr(source, f.attname) for f in source._meta.concrete_fields},
                    "id": pk,
                    "course_id": course.id,
                    "created_by_id": course.user_id,
                    "started_at": at - HOUR,
                    "completed_at": at - 30 * rows.MINUTE,
                    "updated_at": at - 30 * rows.MINUTE,
                }
            )
        submission = template["submission"]
        submission_id = ids[IntakeSubmission]()
        out[IntakeSubmission].append(
            {
                "id": submission_id,
                "course_id": course.id,
                "number": 1,
                "submitted_at": at,
                "answers": self.with_signature(submission.answers, legal),
                "scores": {
                    code: {**score, "response_id": remapped.get(code, score.get("response_id"))}
                    for code, score in submission.scores.items()
                },
                "ruleset_version": submission.ruleset_version,
                "thresholds": submission.thresholds,
            }
        )
        for hit in template["hits"]:
            out[RuleHit].append({**hit, "id": ids[RuleHit](), "submission_id": submission_id})
        out[ConsentSignature].append(
            {
                "id": ids[ConsentSignature](),
                "course_id": course.id,
                "document_id": self.consent_for(course.clinic_id),
                "signed_by_id": course.user_id,
                "signed_name": legal,
                "agreed": True,
                "signed_at": at - HOUR,
            }
        )
        self.submission_id = submission_id

    @staticmethod
    def with_signature(answers, legal):
        """The template's answers, consent signed in this patient's own name."""
        if "consent" not in answers:
            return answers
        return {**answers, "consent": {**answers["consent"], "signed_name": legal}}

    def consent_for(self, clinic_id):
        cache = self.__dict__.setdefault("_consent", {})
        if clinic_id not in cache:
            clinic = Clinic.objects.get(pk=clinic_id)
            cache[clinic_id] = ConsentDocument.objects.in_effect(clinic).last().pk
        return cache[clinic_id]

    def decision(self, out, course, team, outcome, at):
        ids = self.ids
        decision_id = ids[SuitabilityDecision]()
        out[SuitabilityDecision].append(
            {
                "id": decision_id,
                "course_id": course.id,
                "submission_id": self.submission_id,
                "outcome": outcome,
                "rationale": "Reviewed the intake, screen and history with the patient.",
                "message_to_patient": "Please tell us more about your blood pressure."
                if outcome == "more_information"
                else "",
                "decided_by_id": team.prescriber.user_id,
                "decided_at": at,
            }
        )
        if outcome == "cleared":
            protocol = team.protocol
            out[TreatmentPlan].append(
                {
                    "id": ids[TreatmentPlan](),
                    "course_id": course.id,
                    "decision_id": decision_id,
                    **plan_terms(protocol),
                    "goals": "Sleep without waking in a panic.",
                    "created_at": at,
                }
            )

    def past_dosing(self, out, course, team, starts, scores, number):
        """A dosing visit from check-in to signature, then its integration session and note."""
        ids, rng, now = self.ids, self.rng, self.now
        room = self.rooms[team.prescriber.pk]
        appointment_id = rows.appointment(
            out, ids, course, "dosing", starts, team.prescriber, "completed", room
        )
        responses = rows.pre_dose_measures(
            out, ids, course, appointment_id, starts, scores, now, team.protocol, answer=True
        )
        rows.check_in(out, ids, course, appointment_id, starts, responses)
        session_id = rows.dosing_session(
            out,
            ids,
            course,
            team,
            appointment_id,
            starts,
            rng,
            signed=True,
            readings=rng.randint(6, 8),
        )
        self.early_reminder(out, course, appointment_id, starts)
        follow = starts + 3 * DAY
        if follow < now:
            integration_id = rows.appointment(
                out, ids, course, "integration", follow, team.therapist, "completed"
            )
            rows.integration_note(out, ids, course, team, integration_id, session_id, follow, rng)
            self.early_reminder(out, course, integration_id, follow)
        for day in (1, 4):
            if starts + day * DAY < now:
                rows.journal(out, ids, course, session_id, starts + day * DAY, rng, shared=day == 1)

    def early_reminder(self, out, course, appointment_id, starts):
        """The reminder of an appointment two days before it (sent, or due if still ahead)."""
        due = starts - 2 * DAY
        rows.reminder(
            out,
            self.ids,
            course,
            Kind.APPOINTMENT_EARLY,
            SubjectType.APPOINTMENT,
            appointment_id,
            due,
            self.now,
        )

    def next_dosing(self, out, course, team, clinic, rng):
        """An in-treatment course's next visit: booked ahead, or under way today."""
        ids, now = self.ids, self.now
        room = self.rooms[team.prescriber.pk]
        live_today = self.today.used[team.prescriber.id] < 3 and rng.random() < 0.2
        if live_today:
            starts = self.today.next(team.prescriber, per_day=3, step=-3)
        else:
            starts = self.future.next(team.prescriber)
        status = "checked_in" if live_today else "booked"
        appointment_id = rows.appointment(
            out, ids, course, "dosing", starts, team.prescriber, status, room
        )
        scores = {"phq9": rng.randint(5, 12), "gad7": rng.randint(4, 10)}
        responses = rows.pre_dose_measures(
            out,
            ids,
            course,
            appointment_id,
            starts,
            scores,
            now,
            team.protocol,
            answer=live_today,
        )
        self.early_reminder(out, course, appointment_id, starts)
        if live_today:
            rows.check_in(out, ids, course, appointment_id, starts, responses)
            rows.dosing_session(
                out, ids, course, team, appointment_id, starts, rng, signed=False, readings=4
            )

    def flag(self, out, course, team, at, *, resolved):
        out[SafetyFlag].append(
            {
                "id": self.ids[SafetyFlag](),
                "course_id": course.id,
                "urgency": "urgent",
                "source": "Check-in PHQ-9 item 9",
                "reason": "Answered “several days” to thoughts of being better off dead.",
                "raised_at": at,
                "resolved_at": at + 2 * HOUR if resolved else None,
                "resolved_by_id": team.prescriber.user_id if resolved else None,
                "action_taken": "Called the patient; safety plan reviewed." if resolved else "",
            }
        )
