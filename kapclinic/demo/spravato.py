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
from .answers import INTAKES
from .data import read
from .treatment import Visit, backdate_intake, final_records_movable, past_dosing_session

EMAIL = "spravato@example.com"
LEGAL_NAME = "Kai Brennan"
SPRAVATO_LOT = "SPR-2610-A"
# His intake answers and his two sessions: data/intakes.toml and data/visits.toml.
VISITS = read("visits")["kai"]

RATIONALE = (
    "PHQ-9 15 (moderately severe) after two adequate antidepressant trials: treatment-"
    "resistant depression. No psychosis, aneurysm or uncontrolled hypertension. Zopiclone "
    "noted (sedation): not on session days. Suitable for intranasal esketamine with an oral "
    "antidepressant, under the Spravato REMS."
)


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
    journey.complete_intake(course, INTAKES[EMAIL], by=patient)
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
    with final_records_movable():  # a signed enrolment is final in PostgreSQL
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
