"""Seed a demo clinic with staff and patients at several stages of the journey.

Patients move through the real services: intake (invitation, answers, consent, submission,
review, signed decision), then dosing (check-in, vitals, dose, discharge, signature) and
integration (note, journal), so their records are those the app itself would have made.
Idempotent: a second run keeps what is there and only prints the logins again.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from intake.consent import sign_consent
from intake.invitations import invite_patient
from intake.models import ConsentDocument, ConsentSignature
from integration.models import JournalPrompt
from kapclinic.calendar import series
from kapclinic.clinic import record_requests
from kapclinic.clinic.models import (
    Appointment,
    Clinic,
    CourseState,
    Indication,
    Provider,
    RecordRequest,
    Role,
    SafetyFlag,
    User,
)
from kapclinic.clinic.models.opening_hours import DEFAULT_HOURS, ClinicHours
from kapclinic.demo import answers, journey, spravato, stories
from kapclinic.demo import stock as demo_stock
from kapclinic.demo.billing import seed_billing
from kapclinic.demo.builder.resources import clinic_resources, room
from kapclinic.demo.calendar import closed_days
from kapclinic.demo.calendar import opening_hours as demo_opening_hours
from kapclinic.demo.calendar import seed as seed_calendar
from kapclinic.demo.protocols import sign_reference_protocols
from kapclinic.demo.treatment import backdate_intake

DEMO_PASSWORD = "calm-harbour-2026"
CLINIC_NAME = "Harbour KAP Clinic (demo)"

# One line per paragraph: the page keeps every line break, and the phone wraps the rest.
DEMO_CONSENT = "\n\n".join(
    (
        "This is demonstration consent text; each clinic publishes its own in the admin.",
        "Ketamine-assisted psychotherapy combines supervised doses of ketamine with "
        "psychotherapy. Common effects during a session include dissociation, dizziness, nausea, "
        "sleepiness and a rise in blood pressure; these usually pass within two hours. You will "
        "be monitored until you are fit to leave, and you must not drive or operate machinery "
        "until the next day after a restful sleep.",
        "You can withdraw your consent at any time without affecting your other care.",
    )
)

DEMO_CONSENT_ADDITION = (
    "\n\nWith your agreement, integration sessions may be offered by secure video; dosing "
    "itself always takes place in the clinic."
)
DEMO_CONSENT_CHANGES = (
    "We added a paragraph on video (telehealth) integration sessions. Dosing still always "
    "takes place in the clinic."
)
# The patient still to re-sign version 2.0 (the other stories' pre-dose gates pass).
RECONSENT_PENDING = "patient@example.com"

STAFF = [
    ("prescriber@example.com", "Maya", "Okafor", Role.PRESCRIBER, "MD, MRCPsych"),
    ("therapist@example.com", "Sam", "Lindqvist", Role.THERAPIST, "LCSW"),
    ("nurse@example.com", "Priya", "Nair", Role.NURSE, "RN"),
    ("admin@example.com", "Alex", "Moreau", Role.CLINIC_ADMIN, ""),
]

# (email, legal name, preferred name, indication, the stage of the journey they have reached)
PATIENTS = [
    ("invited@example.com", "Jordan Ellis", "", Indication.ANXIETY, CourseState.INVITED),
    (
        "intake@example.com",
        "Robin Achterberg",
        "Robin",
        Indication.DEPRESSION,
        CourseState.INTAKE_IN_PROGRESS,
    ),
    ("review@example.com", "Noor Haddad", "", Indication.PTSD, CourseState.UNDER_REVIEW),
    ("cleared@example.com", "Theo Park", "", Indication.DEPRESSION, CourseState.CLEARED),
    (
        "patient@example.com",
        "Amara Silva",
        "Amara",
        Indication.DEPRESSION,
        CourseState.IN_TREATMENT,
    ),
    ("integration@example.com", "Lee Morgan", "", Indication.ANXIETY, CourseState.INTEGRATION),
    (
        "maintenance@example.com",
        "Mina Okoye",
        "Mina",
        Indication.DEPRESSION,
        CourseState.MAINTENANCE,
    ),
]
# How long ago each cleared patient did their intake, so scores and visits fall in order.
INTAKE_WEEKS_AGO = {
    "cleared@example.com": 1,
    "patient@example.com": 5,
    "integration@example.com": 9,
    "maintenance@example.com": 12,
}
STAGES = [
    CourseState.INVITED,
    CourseState.INTAKE_IN_PROGRESS,
    CourseState.UNDER_REVIEW,
    CourseState.CLEARED,
    CourseState.IN_TREATMENT,
    CourseState.INTEGRATION,
    CourseState.MAINTENANCE,
]


DOSING_VISIT = timedelta(hours=2, minutes=30)


def within_hours(start, length=DOSING_VISIT):
    """`start`, or the demo clinic's next opening when a visit then would fall outside its
    hours (a weekend, after 18:00): a coming visit the clinic's own hours would refuse. The
    hours are written last, so the rule is read from their defaults here."""
    tz = timezone.get_current_timezone()
    hours = ClinicHours(week=DEFAULT_HOURS, closed=closed_days(timezone.localdate(timezone=tz)))
    if hours.refusal(start, start + length, tz) is None:
        return start
    return hours.open_from(start, tz, staying=length)


class Command(BaseCommand):
    help = "Create the demo clinic, its staff and patients (safe to run again)."

    def handle(self, *args, **options):
        if Clinic.objects.filter(name=CLINIC_NAME).exists():
            self.stdout.write("Demo clinic already seeded; keeping its data.")
        else:
            # Invitations and alerts go to example.com addresses nobody reads; on the console
            # backend they would bury the logins below. The atomic block closes first, so the
            # emails it queues on commit are still sent with the override in place.
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
                transaction.atomic(),
            ):
                self.seed()
            self.stdout.write(self.style.SUCCESS("Demo clinic seeded."))
        self.print_logins()

    def seed(self):
        clinic = Clinic.objects.create(
            name=CLINIC_NAME,
            time_zone="Europe/London",
            address="1 Harbour Street, Bristol BS1 4AA",
            phone="+44 117 000 0000",
            email="hello@example.com",
        )
        first_published = timezone.now() - timedelta(weeks=10)  # before the earliest intake
        ConsentDocument.objects.create(
            clinic=clinic,
            version="1.0",
            body=DEMO_CONSENT,
            effective_from=timezone.localdate(first_published),
            published_at=first_published,
        )
        for position, text in enumerate(stories.JOURNAL_PROMPTS):
            JournalPrompt.objects.create(clinic=clinic, text=text, position=position)
        clinic_resources(clinic)  # dosing rooms, recliners, a therapy room, telehealth
        staff = {}
        for email, first, last, role, credentials in STAFF:
            user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
            staff[role] = Provider.objects.create(
                user=user,
                clinic=clinic,
                role=role,
                credentials=credentials,
                licence_number=f"DEMO-{role[:3].upper()}-001" if role != Role.CLINIC_ADMIN else "",
                is_medical_director=role == Role.PRESCRIBER,
            )
        sign_reference_protocols(clinic, staff[Role.PRESCRIBER], DEMO_PASSWORD)
        demo_stock.open_register(
            clinic, staff, self.at_ten(days=-12) - timedelta(hours=1), DEMO_PASSWORD
        )
        for index, (email, legal, preferred, indication, stage) in enumerate(PATIENTS):
            course = invite_patient(
                by=staff[Role.CLINIC_ADMIN].user,
                clinic=clinic,
                legal_name=legal,
                preferred_name=preferred,
                email=email,
                indication=indication,
                care_team=[staff[Role.PRESCRIBER], staff[Role.THERAPIST]],
            )
            self.walk(course, STAGES.index(stage), staff)
            if stage == CourseState.CLEARED:
                # Today, so the demo can walk a check-in and a live session end to end.
                self.book_dosing(course, staff[Role.PRESCRIBER], self.later_today())
            elif stage == CourseState.IN_TREATMENT:
                # Her first dose (ten days ago) starts treatment; the next one is booked.
                stories.amara(course, staff, self.past_visit(days=-10))
                next_dose = within_hours(self.at_ten(days=2 + index))
                self.book_dosing(course, staff[Role.PRESCRIBER], next_dose)
            elif stage == CourseState.INTEGRATION:
                past = (self.past_visit(days=-35), self.past_visit(days=-21))
                lee_next = self.at_ten(days=3) + timedelta(hours=4)
                upcoming = within_hours(lee_next, timedelta(minutes=50))
                stories.lee(course, staff, past, upcoming=upcoming)
                stories.lee_safety_plan(course, staff)
            elif stage == CourseState.MAINTENANCE:
                # Three induction sessions, a re-evaluation, one maintenance session so far.
                induction = [self.past_visit(days=d) for d in (-70, -63, -56)]
                stories.mina(
                    course,
                    staff,
                    induction,
                    reevaluated=self.past_visit(days=-49) + timedelta(hours=5),
                    maintenance=self.past_visit(days=-21),
                )
                # The rest of her block (two of three sessions) booked as one series.
                first = within_hours(self.at_ten(days=9 + index))
                self.book_series(course, staff[Role.PRESCRIBER], first)
            if email == "patient@example.com":
                # Raised after her session, so it holds her next dose at the pre-dose gate.
                # A suicide-risk flag: the demo walks the risk review that resolves it.
                SafetyFlag.objects.create(
                    course=course,
                    source="Check-in PHQ-9 item 9",
                    reason="Answered “several days” to thoughts of being better off dead.",
                    kind=SafetyFlag.Kind.SUICIDE_RISK,
                )
                # She asked for her clinicians' notes: the clinic's "Record requests" page.
                record_requests.ask(course.patient.user, RecordRequest.Kind.NOTES)
        seed_billing(clinic, staff)
        seed_calendar(clinic, staff)
        # Intranasal esketamine under the Spravato REMS: two sessions before the register was
        # kept, the second one's monitoring form overdue.
        spravato.seed(
            clinic,
            staff,
            DEMO_PASSWORD,
            first_day=self.past_visit(days=-20),
            second_day=self.past_visit(days=-13),
        )
        demo_stock.week_of_entries(
            clinic, staff, self.at_ten(days=0) - timedelta(hours=1), DEMO_PASSWORD
        )
        self.publish_new_consent(clinic, staff[Role.CLINIC_ADMIN].user)
        demo_opening_hours(clinic)  # last: the visits booked above keep their times

    def publish_new_consent(self, clinic, admin):
        """Version 2.0 three days ago: everyone who had signed re-signed, except Amara, whose
        home page now asks her to sign first (and whose gate names the version missing)."""
        three_days_ago = timezone.now() - timedelta(days=3)
        document = ConsentDocument.objects.create(
            clinic=clinic,
            version="2.0",
            body=DEMO_CONSENT + DEMO_CONSENT_ADDITION,
            summary_of_changes=DEMO_CONSENT_CHANGES,
            effective_from=timezone.localdate(three_days_ago),
            published_at=three_days_ago,
            published_by=admin,
        )
        for signature in ConsentSignature.objects.filter(course__clinic=clinic).select_related(
            "course__patient"
        ):
            course = signature.course
            if course.patient.email != RECONSENT_PENDING:
                sign_consent(
                    course, document, by=course.patient.user, signed_name=signature.signed_name
                )

    def walk(self, course, reached, staff):
        """Take the course from "invited" towards its stage (at most "cleared") through intake."""
        prescriber = staff[Role.PRESCRIBER].user
        email = course.patient.email
        if reached < STAGES.index(CourseState.INTAKE_IN_PROGRESS):
            return
        patient = journey.accept(course, DEMO_PASSWORD)
        if reached == STAGES.index(CourseState.INTAKE_IN_PROGRESS):
            for key, data in answers.ROBIN_SAVED.items():
                journey.answer_step(course, key, data, by=patient)
            journey.save_draft(course, "psychiatric", answers.ROBIN_DRAFT)
            return
        journey.complete_intake(course, answers.INTAKES[email], by=patient)
        course.begin_review(prescriber)
        if reached < STAGES.index(CourseState.CLEARED):
            return
        journey.clear(course, answers.CLEARANCE_RATIONALE[email], by=prescriber)
        backdate_intake(course, timezone.now() - timedelta(weeks=INTAKE_WEEKS_AGO[email]))
        # Treatment starts with the first dose and integration after the last (see stories).

    @staticmethod
    def at_ten(days):
        day = timezone.localdate() + timedelta(days=days)
        return timezone.make_aware(
            timezone.datetime.combine(day, timezone.datetime.min.time())
        ) + timedelta(hours=10)

    @classmethod
    def past_visit(cls, days):
        """10:00 `days` ago, moved back to the weekday before when that is a weekend: the
        demo clinic's hours (Monday to Friday) would never have seen a visit then. Only
        earlier, so what followed a visit in the story still follows it."""
        visit = cls.at_ten(days)
        hours = ClinicHours(week=DEFAULT_HOURS, closed={})
        while hours.window(timezone.localdate(visit)) is None:
            visit -= timedelta(days=1)
        return visit

    @staticmethod
    def later_today():
        """The next full hour after the coming one, e.g. 15:00 when seeded at 13:20; seeded
        too late for a visit to end by closing time, the clinic's next opening (check-in
        then opens at that day's midnight)."""
        now = timezone.localtime()
        return within_hours(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2))

    def book_dosing(self, course, clinician, start):
        start = within_hours(start)
        Appointment.objects.create(
            course=course,
            kind=Appointment.Kind.DOSING,
            starts_at=start,
            ends_at=start + DOSING_VISIT,
            clinician=clinician,
            resource=room(course.clinic, "Dosing room 1"),
        )

    def book_series(self, course, clinician, first, *, count=2, every_days=28):
        """Dosing sessions every four weeks, through the calendar's series (issue 21)."""
        plan = series.plan_series(
            course,
            kind=Appointment.Kind.DOSING,
            first_starts_at=first,
            duration_minutes=150,
            every_days=every_days,
            count=count,
            clinician=clinician,
            resource=room(course.clinic, "Dosing room 1"),
        )
        series.book_series(plan, by=clinician.user)

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for email, _first, _last, role, _ in STAFF:
            self.stdout.write(f"  {Role(role).label:<14} {email}")
        for email, legal, _, _, stage in PATIENTS:
            if stage != CourseState.INVITED:
                self.stdout.write(f"  {'Patient':<14} {email}  ({legal})")
        self.stdout.write(f"  {'Patient':<14} {spravato.EMAIL}  ({spravato.LEGAL_NAME})")
        self.stdout.write("")
