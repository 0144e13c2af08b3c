"""Seed a demo clinic with staff and patients at several stages of the journey.

Idempotent: a second run keeps what is there and only prints the logins again.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from intake.models import ConsentDocument
from kapclinic.clinic.models import (
    Appointment,
    Clinic,
    Indication,
    Patient,
    Protocol,
    Provider,
    Role,
    SafetyFlag,
    TreatmentCourse,
    User,
)

DEMO_PASSWORD = "calm-harbour-2026"
CLINIC_NAME = "Harbour KAP Clinic (demo)"

DEMO_CONSENT = """This is demonstration consent text; each clinic publishes its own in the admin.

Ketamine-assisted psychotherapy combines supervised doses of ketamine with psychotherapy.
Common effects during a session include dissociation, dizziness, nausea, sleepiness and a rise
in blood pressure; these usually pass within two hours. You will be monitored until you are fit
to leave, and you must not drive or operate machinery until the next day after a restful sleep.

You can withdraw your consent at any time without affecting your other care."""

STAFF = [
    ("prescriber@example.com", "Maya", "Okafor", Role.PRESCRIBER, "MD, MRCPsych"),
    ("therapist@example.com", "Sam", "Lindqvist", Role.THERAPIST, "LCSW"),
    ("nurse@example.com", "Priya", "Nair", Role.NURSE, "RN"),
    ("admin@example.com", "Alex", "Moreau", Role.CLINIC_ADMIN, ""),
]

# (email, legal name, preferred name, indication, steps to walk the journey)
PATIENTS = [
    ("invited@example.com", "Jordan Ellis", "", Indication.ANXIETY, []),
    ("intake@example.com", "Robin Achterberg", "Robin", Indication.DEPRESSION, ["start"]),
    ("review@example.com", "Noor Haddad", "", Indication.PTSD, ["start", "submit", "review"]),
    (
        "cleared@example.com",
        "Theo Park",
        "",
        Indication.DEPRESSION,
        ["start", "submit", "review", "clear"],
    ),
    (
        "patient@example.com",
        "Amara Silva",
        "Amara",
        Indication.DEPRESSION,
        ["start", "submit", "review", "clear", "treat"],
    ),
    (
        "integration@example.com",
        "Lee Morgan",
        "",
        Indication.ANXIETY,
        ["start", "submit", "review", "clear", "treat", "integrate"],
    ),
]


class Command(BaseCommand):
    help = "Create the demo clinic, its staff and patients (safe to run again)."

    def handle(self, *args, **options):
        if Clinic.objects.filter(name=CLINIC_NAME).exists():
            self.stdout.write("Demo clinic already seeded; keeping its data.")
        else:
            with transaction.atomic():
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
        Protocol.objects.create(
            clinic=clinic,
            name="Sublingual racemic ketamine",
            is_default=True,
            signed_off_by="Dr Maya Okafor (demo)",
        )
        ConsentDocument.objects.create(clinic=clinic, version="1.0", body=DEMO_CONSENT)
        staff = {}
        for email, first, last, role, credentials in STAFF:
            user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
            staff[role] = Provider.objects.create(
                user=user,
                clinic=clinic,
                role=role,
                credentials=credentials,
                licence_number=f"DEMO-{role[:3].upper()}-001" if role != Role.CLINIC_ADMIN else "",
            )
        prescriber = staff[Role.PRESCRIBER].user
        therapist = staff[Role.THERAPIST].user
        today = timezone.localdate()
        for index, (email, legal, preferred, indication, steps) in enumerate(PATIENTS):
            user = None
            if steps:
                first, last = legal.split(" ", 1)
                user = User.objects.create_user(
                    email, DEMO_PASSWORD, first_name=first, last_name=last
                )
            patient = Patient.objects.create(
                clinic=clinic,
                user=user,
                legal_name=legal,
                preferred_name=preferred,
                email=email,
                phone=f"+44 7700 900{100 + index}",
                date_of_birth=date(1975 + index * 4, 1 + index, 10 + index),
                emergency_contact_name="Chris Example",
                emergency_contact_phone="+44 7700 900999",
                emergency_contact_relationship="Partner",
            )
            course = TreatmentCourse.objects.create(
                patient=patient, clinic=clinic, indication=indication
            )
            course.care_team.set([staff[Role.PRESCRIBER], staff[Role.THERAPIST]])
            actions = {
                "start": lambda c, u=user: c.start_intake(u),
                "submit": lambda c, u=user: c.submit_intake(u),
                "review": lambda c: c.begin_review(prescriber),
                "clear": lambda c: c.clear(prescriber, "Suitable: no contraindications found."),
                "treat": lambda c: c.start_treatment(prescriber),
                "integrate": lambda c: c.begin_integration(therapist),
            }
            for step in steps:
                actions[step](course)
            if "clear" in steps:
                start = timezone.make_aware(
                    timezone.datetime.combine(
                        today + timedelta(days=2 + index), timezone.datetime.min.time()
                    )
                ) + timedelta(hours=10)
                Appointment.objects.create(
                    course=course,
                    kind=Appointment.Kind.DOSING,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2, minutes=30),
                    clinician=staff[Role.PRESCRIBER],
                    room="Room 1",
                )
            if email == "patient@example.com":
                SafetyFlag.objects.create(
                    course=course,
                    source="Check-in PHQ-9 item 9",
                    reason="Answered “several days” to thoughts of being better off dead.",
                )

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for email, _first, _last, role, _ in STAFF:
            self.stdout.write(f"  {Role(role).label:<14} {email}")
        for email, legal, _, _, steps in PATIENTS:
            if steps:
                self.stdout.write(f"  {'Patient':<14} {email}  ({legal})")
        self.stdout.write("")
