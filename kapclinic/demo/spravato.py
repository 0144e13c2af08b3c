"""The demo's esketamine (Spravato) patient and the clinic's REMS records.

The clinic was certified two months ago; Kai was enrolled before his first session. He had
two intranasal sessions (before the clinic began its controlled-substance register, so they
draw no stock): the first one's Patient Monitoring Form was submitted two days later, the
second one's is overdue, so the REMS page and the daily digest have something to show.
"""

from datetime import timedelta

from django.utils import timezone

from intake.invitations import invite_patient
from kapclinic.clinic.models import Indication, Product, Protocol, Role, Route
from kapclinic.rems import services as rems
from kapclinic.rems.models import Certification, Enrolment, MonitoringForm

from . import journey
from .answers import about, medical, medications, psychiatric, scale, substance
from .treatment import Visit, backdate_intake, past_dosing_session

EMAIL = "spravato@example.com"
LEGAL_NAME = "Kai Brennan"
SPRAVATO_LOT = "SPR-2610-A"

INTAKE = {
    "about": about(born="1984-02-09", sex="male", phone="+44 7700 900106", pronouns="he/him"),
    "medical": medical(),
    "psychiatric": psychiatric(
        tried=["antidepressants", "psychotherapy"],
        outcome=(
            "Sertraline, then venlafaxine, each at full dose for months: a little better, "
            "never well. CBT twice."
        ),
    ),
    # Zopiclone is a sedating medicine: it prints on each monitoring form.
    "medications": medications(
        "Sertraline 200 mg every morning", "Zopiclone 3.75 mg at night when needed"
    ),
    "substance": substance(),
    "auditc": scale(1, 0, 0),
    "gad7": scale(1, 1, 1, 1, 0, 1, 1, difficulty=1),
    "phq9": scale(2, 2, 2, 3, 1, 2, 2, 1, 0, difficulty=2),
    "goals": {
        "goals": "Get up in the morning without dreading the day.",
        "intentions": "Give this a fair try.",
        "support": "My partner, Chris.",
    },
}
RATIONALE = (
    "PHQ-9 15 (moderately severe) after two adequate antidepressant trials: treatment-"
    "resistant depression. No psychosis, aneurysm or uncontrolled hypertension. Zopiclone "
    "noted (sedation): not on session days. Suitable for intranasal esketamine with an oral "
    "antidepressant, under the Spravato REMS."
)

VISITS = (
    dict(
        gad7=(1, 1, 1, 1, 0, 1, 1),
        phq9=(2, 2, 2, 2, 1, 2, 2, 1, 0),
        weight_kg="82.0",
        dose_mg=56,
        device_count=2,
        vitals=[(5, 128, 82, 72, 98), (55, 146, 88, 80, 97), (95, 134, 84, 74, 98),
                (140, 126, 80, 70, 98)],
        observation={"minute": 45, "moaas": 4, "dissociation": "moderate",
                     "dissociation_notes": "Felt detached from his body; settled by 90 min."},
    ),
    dict(
        gad7=(1, 1, 0, 1, 0, 1, 1),
        phq9=(2, 1, 2, 2, 1, 1, 2, 1, 0),
        weight_kg="81.5",
        dose_mg=84,
        device_count=3,
        vitals=[(5, 124, 80, 70, 98), (56, 150, 90, 82, 97), (100, 136, 84, 74, 98),
                (140, 128, 82, 72, 99)],
        observation={"minute": 50, "moaas": 4, "dissociation": "mild"},
    ),
)  # fmt: skip


def seed(clinic, staff, password, *, first_day, second_day):
    """Certification, Kai's intake, clearance on the esketamine protocol, enrolment, two
    signed sessions and their monitoring forms (the first submitted, the second overdue)."""
    prescriber, admin = staff[Role.PRESCRIBER].user, staff[Role.CLINIC_ADMIN].user
    today = timezone.localdate(timezone=clinic.tz)
    Certification.objects.create(
        clinic=clinic,
        number="HCS-DEMO-20261",
        authorised_representative="Dr Maya Okafor",
        certified_on=today - timedelta(days=60),
    )
    course = invite_patient(
        by=admin,
        clinic=clinic,
        legal_name=LEGAL_NAME,
        email=EMAIL,
        indication=Indication.DEPRESSION,
        care_team=[staff[Role.PRESCRIBER], staff[Role.THERAPIST]],
    )
    patient = journey.accept(course, password)
    journey.complete_intake(course, INTAKE, by=patient)
    course.begin_review(prescriber)
    esketamine = Protocol.objects.for_route(clinic, Route.INTRANASAL, Product.ESKETAMINE)
    journey.clear(course, RATIONALE, by=prescriber, protocol=esketamine)
    backdate_intake(course, timezone.now() - timedelta(weeks=5))
    enrolled_on = today - timedelta(days=24)
    rems.record_enrolment(
        course.patient,
        prescriber,
        enrolment_id="PT-DEMO-448812",
        enrolled_on=enrolled_on,
        patient_signed_on=enrolled_on,
    )
    signed_at = timezone.make_aware(
        timezone.datetime.combine(enrolled_on, timezone.datetime.min.time())
    ) + timedelta(hours=16)
    Enrolment.objects.filter(patient=course.patient).update(prescriber_signed_at=signed_at)
    sessions = [
        past_dosing_session(
            course,
            staff,
            Visit(
                start=day,
                product=Product.ESKETAMINE,
                route=Route.INTRANASAL,
                lot=SPRAVATO_LOT,
                **visit,
            ),
        )
        for day, visit in zip((first_day, second_day), VISITS, strict=True)
    ]
    first = MonitoringForm.objects.get(appointment=sessions[0].appointment)
    rems.mark_submitted(first, staff[Role.NURSE].user, first.session_on + timedelta(days=2))
    return course
