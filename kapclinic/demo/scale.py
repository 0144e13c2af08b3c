"""A clinic network's worth of records, fast: `manage.py seed_scale` and the perf tests.

One patient per network walks intake through the real services (kapclinic/demo/journey.py);
every other course copies that frozen submission and its scores, then gets its own dosing
sessions, notes, questionnaires, journal and reminders as bulk rows (kapclinic/demo/bulk.py),
each written once in its final state, the way the app would have left it.
"""

import random
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from datetime import time as clock

from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from intake.invitations import invite_patient
from intake.models import (
    ConsentSignature,
    IntakeRecord,
    IntakeSubmission,
    Invitation,
    RuleHit,
    SuitabilityDecision,
    TreatmentPlan,
)
from integration import course_outcome
from integration.models import (
    CourseClosure,
    CourseOutcome,
    IntegrationNote,
    JournalEntry,
    MeasureRequest,
)
from kapclinic.clinic.models import (
    Appointment,
    CourseEvent,
    CourseState,
    Indication,
    Patient,
    Role,
    SafetyFlag,
    TreatmentCourse,
    User,
)
from kapclinic.measures.models import QuestionnaireResponse
from kapclinic.reminders.models import Kind, Reminder, SubjectType
from sessions.models import (
    Administration,
    CheckIn,
    Discharge,
    DosingSession,
    IdentityCheck,
    Observation,
    VitalSigns,
)

from . import bulk, journey
from . import scale_rows as rows
from .answers import INTAKES
from .scale_network import dosing_rooms, network
from .scale_phases import FIRST, LAST, Course, PhaseRows, Slots, Team

S = CourseState
DAY, HOUR = rows.DAY, rows.HOUR
TEMPLATE_EMAIL = "review@example.com"
# Share of courses per stage, in per cent: a network a few years old.
STAGE_MIX = (
    (S.INVITED, 7),
    (S.INTAKE_IN_PROGRESS, 7),
    (S.INTAKE_SUBMITTED, 3),
    (S.UNDER_REVIEW, 4),
    (S.MORE_INFO_REQUESTED, 2),
    (S.DECLINED, 4),
    (S.CLEARED, 5),
    (S.IN_TREATMENT, 13),
    (S.MAINTENANCE, 2),
    (S.INTEGRATION, 13),
    (S.COMPLETED, 35),
    (S.DISCONTINUED, 5),
)
# Models in the order their rows are written: signed parents after their records.
ORDER = (
    User,
    Patient,
    TreatmentCourse,
    TreatmentCourse.care_team.through,
    CourseEvent,
    Invitation,
    IntakeRecord,
    QuestionnaireResponse,
    IntakeSubmission,
    RuleHit,
    ConsentSignature,
    SuitabilityDecision,
    TreatmentPlan,
    Appointment,
    CheckIn,
    IdentityCheck,
    Administration,
    VitalSigns,
    Observation,
    Discharge,
    DosingSession,
    IntegrationNote,
    JournalEntry,
    MeasureRequest,
    CourseClosure,
    SafetyFlag,
    Reminder,
)


class ScaleSeeder(PhaseRows):
    def __init__(self, patients, *, clinics=None, seed=2026, chunk=500, log=None):
        self.patients, self.chunk, self.log = patients, chunk, log
        self.clinic_count = clinics or max(1, min(8, patients // 2500))
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.counts = Counter()
        self.ids = defaultdict(lambda: None)

    # --- The network: clinics, staff, protocols ------------------------------------------

    def run(self):
        """Build the network and its patients; returns rows written per model."""
        started = time.monotonic()
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self.setup()
            self.template = self.intake_template()
        self.ids = {model: bulk.Ids(model) for model in ORDER}
        self.password = f"!scale-seed-{self.rng.random()}"  # unusable: no one signs in as them
        self.generate(1, self.patients)
        self.seconds = time.monotonic() - started
        return self.counts

    def extend(self, patients):
        """Add `patients` more to the same clinics (the query-budget tests grow the data)."""
        self.generate(self.patients, self.patients + patients)
        self.patients += patients

    def generate(self, first, stop):
        for start in range(first, stop, self.chunk):
            out = defaultdict(list)
            for index in range(start, min(start + self.chunk, stop)):
                self.course(out, index)
            with transaction.atomic():
                for model in ORDER:
                    self.counts[model._meta.label] += bulk.insert(model, out.get(model, []))
                # The dashboard's kept facts, judged from the rows just written, as the app
                # keeps them when a course completes.
                completed = [
                    row["course_id"]
                    for row in out.get(CourseClosure, [])
                    if row["outcome"] == "completed"
                ]
                if completed:
                    self.counts[CourseOutcome._meta.label] += course_outcome.rebuild(completed)
            if self.log:
                self.log(f"  {min(start + self.chunk, stop):,} patients written")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def setup(self):
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.future = Slots(
            datetime.combine(tomorrow, clock(8), tzinfo=timezone.get_current_timezone())
        )
        # Today's visits under way started an hour or more ago, three hours apart per room.
        self.today = Slots(self.now.replace(second=0, microsecond=0) - timedelta(minutes=70))
        self.clinics = network(self.rng, self.patients, self.clinic_count)
        self.rooms = dosing_rooms(self.clinics)

    def intake_template(self):
        """One real submission through the intake services: the others copy its answers."""
        clinic, _protocol, _snapshot, staff = self.clinics[0]
        course = invite_patient(
            by=staff[Role.CLINIC_ADMIN][0].user,
            clinic=clinic,
            legal_name="Noor Haddad",
            email=f"template.{clinic.pk}@patients.example.org",
            indication=Indication.PTSD,
            care_team=[staff[Role.PRESCRIBER][0], staff[Role.THERAPIST][0]],
        )
        patient = journey.accept(course, None)
        submission = journey.complete_intake(course, INTAKES[TEMPLATE_EMAIL], by=patient)
        course.begin_review(staff[Role.PRESCRIBER][0].user)
        responses = {
            r.instrument: r
            for r in QuestionnaireResponse.objects.filter(course=course, purpose="intake")
        }
        self.counts["template patient"] = 1
        return {
            "record": IntakeRecord.objects.get(course=course),
            "submission": submission,
            "hits": list(RuleHit.objects.filter(submission=submission).values()),
            "responses": responses,
        }

    # --- One course ---------------------------------------------------------------------

    def pick_stage(self):
        roll, total = self.rng.uniform(0, 100), 0
        for stage, share in STAGE_MIX:
            total += share
            if roll < total:
                return stage
        return S.COMPLETED

    def course(self, out, index):
        rng, now, ids = self.rng, self.now, self.ids
        clinic, protocol, snapshot, staff = self.clinics[index % len(self.clinics)]
        stage = self.pick_stage()
        team = Team(
            rng.choice(staff[Role.PRESCRIBER]),
            rng.choice(staff[Role.THERAPIST]),
            rng.choice(staff[Role.NURSE]),
            protocol,
            snapshot,
        )
        sessions = {
            S.IN_TREATMENT: rng.randint(1, 5),
            S.MAINTENANCE: 7,  # an induction of six, re-evaluated, then maintenance
            S.INTEGRATION: 6,
            S.COMPLETED: 6,
        }.get(stage, rng.randint(0, 3) if stage == S.DISCONTINUED else 0)
        # Days the journey needs before today, plus some slack so courses spread out.
        needed = 30 + 7 * sessions + (50 + 84 if stage in (S.COMPLETED,) else 0)
        invited = now - timedelta(days=needed + rng.uniform(0, 200 if sessions else 30))
        if stage in (S.INVITED, S.INTAKE_IN_PROGRESS):
            invited = now - timedelta(days=rng.uniform(1, 20))
        legal = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"patient{index}.{clinic.pk}@patients.example.org"
        accepted = stage != S.INVITED
        user_id = ids[User]() if accepted else None
        patient_id, course_id = ids[Patient](), ids[TreatmentCourse]()
        course = Course(course_id, clinic.pk, patient_id, user_id)
        if accepted:
            first, last = legal.split(" ", 1)
            out[User].append(
                {
                    "id": user_id,
                    "email": email,
                    "password": self.password,
                    "first_name": first,
                    "last_name": last,
                    "date_joined": invited + DAY,
                }
            )
        out[Patient].append(
            {
                "id": patient_id,
                "clinic_id": clinic.pk,
                "user_id": user_id,
                "legal_name": legal,
                "date_of_birth": (now - timedelta(days=rng.randrange(20 * 365, 70 * 365))).date(),
                "email": email,
                "phone": f"+44 7700 9{index:05d}"[:16],
                "created_at": invited,
            }
        )
        for provider in (team.prescriber, team.therapist):
            out[TreatmentCourse.care_team.through].append(
                {
                    "id": ids[TreatmentCourse.care_team.through](),
                    "treatmentcourse_id": course_id,
                    "provider_id": provider.pk,
                }
            )
        invitation_id = ids[Invitation]()
        out[Invitation].append(
            {
                "id": invitation_id,
                "course_id": course_id,
                "token_hash": f"{rng.getrandbits(256):064x}",
                "created_by_id": staff[Role.CLINIC_ADMIN][0].user_id,
                "created_at": invited,
                "expires_at": invited + 7 * DAY,
                "used_at": invited + DAY if accepted else None,
            }
        )
        if not accepted:
            rows.reminder(
                out,
                ids,
                course,
                Kind.INVITATION_PENDING,
                SubjectType.INVITATION,
                invitation_id,
                invited + 3 * DAY,
                now,
            )
        events = []  # (to_state, at, actor, note)
        at = invited
        if accepted:
            events.append((S.INTAKE_IN_PROGRESS, invited + DAY, user_id, ""))
        submitted = stage not in (S.INVITED, S.INTAKE_IN_PROGRESS)
        self.intake(out, course, stage, invited, submitted, legal)
        decided = invited + 8 * DAY
        if submitted:
            events.append((S.INTAKE_SUBMITTED, invited + 5 * DAY, user_id, ""))
        if submitted and stage != S.INTAKE_SUBMITTED:
            events.append((S.UNDER_REVIEW, invited + 6 * DAY, team.prescriber.user_id, ""))
        outcome = {
            S.UNDER_REVIEW: None,
            S.INTAKE_SUBMITTED: None,
            S.MORE_INFO_REQUESTED: "more_information",
            S.DECLINED: "declined",
        }.get(stage, "cleared")
        if submitted and outcome:
            self.decision(out, course, team, outcome, decided)
            to = {"more_information": S.MORE_INFO_REQUESTED, "declined": S.DECLINED}
            note = "Please tell us more about your blood pressure readings at home."
            if outcome == "declined":
                note = "Uncontrolled hypertension; referred to the GP."
            elif outcome == "cleared":
                note = "Suitable; no contraindication."
            events.append((to.get(outcome, S.CLEARED), decided, team.prescriber.user_id, note))
        # Scores improve across the course, at each patient's own pace.
        start_phq, start_gad, start_pcl = (
            rng.randint(12, 22),
            rng.randint(10, 18),
            rng.randint(30, 55),
        )
        pace = rng.uniform(0.3, 1.0)
        last_dose = None
        for number in range(sessions):
            starts = (decided + timedelta(days=14 + 7 * number)).replace(
                hour=9 + rng.randint(0, 6), minute=0, second=0, microsecond=0
            )
            done = min(1, pace * number / 5)
            scores = {
                "phq9": round(start_phq * (1 - 0.6 * done)),
                "gad7": round(start_gad * (1 - 0.6 * done)),
            }
            self.past_dosing(out, course, team, starts, scores, number)
            if number == 0:
                events.append(
                    (S.IN_TREATMENT, starts + 15 * rows.MINUTE, team.prescriber.user_id, "")
                )
            if number == 5 and stage == S.MAINTENANCE:
                events.append(
                    (S.MAINTENANCE, starts + 2 * DAY, team.prescriber.user_id, "Responding.")
                )
            last_dose = starts
        if stage in (S.IN_TREATMENT, S.MAINTENANCE):
            self.next_dosing(out, course, team, clinic, rng)
        if stage in (S.INTEGRATION, S.COMPLETED):
            events.append((S.INTEGRATION, last_dose + 4 * DAY, team.therapist.user_id, ""))
        final = {
            "phq9": round(start_phq * (1 - 0.6 * pace)),
            "gad7": round(start_gad * (1 - 0.6 * pace)),
            "pcl5": round(start_pcl * (1 - 0.5 * pace)),
        }
        if stage == S.COMPLETED:
            ended = last_dose + 6 * 7 * DAY
            events.append((S.COMPLETED, ended, team.therapist.user_id, "Goals met."))
            rows.closure(out, ids, course, team, "completed", ended, "Goals met; follow-up agreed.")
            rows.follow_up(out, ids, course, ended, final, now, protocol)
        if stage == S.DISCONTINUED:
            ended = (last_dose or decided) + 5 * DAY
            reason = "Moved away; care handed to the GP."
            events.append((S.DISCONTINUED, ended, team.therapist.user_id, reason))
            rows.closure(out, ids, course, team, "discontinued", ended, reason)
        if rng.random() < 0.06 and stage not in (S.INVITED, S.INTAKE_IN_PROGRESS):
            self.flag(out, course, team, invited + 5 * DAY, resolved=rng.random() < 0.6)
        source = S.INVITED
        for to_state, when, actor, note in events:
            out[CourseEvent].append(
                {
                    "id": ids[CourseEvent](),
                    "course_id": course_id,
                    "from_state": source,
                    "to_state": to_state,
                    "actor_id": actor,
                    "at": when,
                    "note": note,
                }
            )
            source, at = to_state, when
        out[TreatmentCourse].append(
            {
                "id": course_id,
                "patient_id": patient_id,
                "clinic_id": clinic.pk,
                "indication": rng.choice(Indication.values[:3]),
                "state": stage,
                "state_changed_at": at,
                "created_at": invited,
                "closed_reason": events[-1][3]
                if stage in (S.DECLINED, S.COMPLETED, S.DISCONTINUED)
                else "",
            }
        )
