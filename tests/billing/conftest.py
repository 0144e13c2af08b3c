import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kapclinic.billing import services
from kapclinic.clinic.diagnoses import add_diagnosis
from kapclinic.clinic.models import Appointment, Role
from tests.factories import AppointmentFactory

VALID_NPI = "1234567893"  # the NPI standard's own worked example (check digit 3)


def visit(course, clinician, days_ago, kind=Appointment.Kind.DOSING, status="completed"):
    start = timezone.now() - datetime.timedelta(days=days_ago)
    return AppointmentFactory(
        course=course,
        kind=kind,
        clinician=clinician,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=status,
    )


@pytest.fixture
def billed(world):
    return bill_first_patient(world.one)


def bill_first_patient(side):
    """Clinic `side`'s first patient: two diagnoses, three visits billed (one paid), a drug
    line, and a line entered in error; the clinic's and prescriber's identifiers set."""
    clinic = side.clinic
    clinic.tax_id, clinic.billing_address = "12-3456789", "1 Main St\nPortland, OR 97201"
    clinic.save()
    prescriber, therapist = side.staff[Role.PRESCRIBER], side.staff[Role.THERAPIST]
    prescriber.npi, prescriber.licence_number, prescriber.licence_state = (
        VALID_NPI, "MD-1234", "OR"
    )  # fmt: skip
    prescriber.save()
    course = side.courses[0]
    add_diagnosis(course, prescriber.user, "F33.1", primary=True)
    add_diagnosis(course, therapist.user, "F41.1")
    admin = side.staff[Role.CLINIC_ADMIN].user
    review = visit(course, prescriber, 40, Appointment.Kind.ASSESSMENT)
    dosing = visit(course, prescriber, 20)
    integration = visit(course, therapist, 19, Appointment.Kind.INTEGRATION)
    lines = [
        services.record_fee_line(review, admin, "90792"),
        services.record_fee_line(dosing, admin, "99214"),
        services.record_fee_line(dosing, admin, "90838"),
        services.record_fee_line(dosing, admin, "J3490", units=2),
        services.record_fee_line(integration, admin, "90837"),
    ]
    services.mark_paid(lines[0], admin, timezone.localdate(timezone=clinic.tz))
    wrong = services.record_fee_line(integration, admin, "90834")
    services.enter_in_error(wrong, admin, "Billed twice.")
    return side, course, lines, wrong


def money(value):
    return Decimal(value).quantize(Decimal("0.01"))
