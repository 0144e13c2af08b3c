"""The demo's diagnoses and bills: every cleared course has its diagnoses, and each visit that
took place has its fee lines (the drug a line of its own), the older ones marked paid, so a
superbill downloads with lines for Amara and Lee.
"""

from datetime import timedelta

from django.utils import timezone

from kapclinic.billing import services as billing
from kapclinic.clinic.diagnoses import add_diagnosis
from kapclinic.clinic.models import Appointment, CourseState, Indication, Role

# What each indication is diagnosed as in the demo (ICD-10-CM, from the shipped list).
DIAGNOSES = {
    Indication.DEPRESSION: ("F33.1", "F41.1"),
    Indication.ANXIETY: ("F41.1", "F33.1"),
    Indication.PTSD: ("F43.10", "F33.1"),
    Indication.OTHER: ("F33.9",),
}
# What a visit of each kind is billed as; J3490 is the ketamine itself.
VISIT_CODES = {
    Appointment.Kind.ASSESSMENT: ("90792",),
    Appointment.Kind.DOSING: ("99214", "90838", "J3490"),
    Appointment.Kind.INTEGRATION: ("90837",),
    Appointment.Kind.FOLLOW_UP: ("99214",),
}
DIAGNOSED = (
    CourseState.CLEARED,
    CourseState.IN_TREATMENT,
    CourseState.MAINTENANCE,
    CourseState.INTEGRATION,
)


def seed_billing(clinic, staff):
    """The clinic's and providers' identifiers, then diagnoses and fee lines."""
    clinic.tax_id = "12-3456789"
    clinic.billing_address = "Harbour KAP Clinic\n1 Harbour Street\nBristol BS1 4AA"
    clinic.save(update_fields=["tax_id", "billing_address"])
    for role, npi, state in (
        (Role.PRESCRIBER, "1987654328", "CA"),
        (Role.THERAPIST, "1543210987", "CA"),
        (Role.NURSE, "1122334455", "CA"),
    ):
        provider = staff[role]
        provider.npi, provider.licence_state = npi, state
        provider.save(update_fields=["npi", "licence_state"])
    prescriber, therapist = staff[Role.PRESCRIBER].user, staff[Role.THERAPIST].user
    admin = staff[Role.CLINIC_ADMIN].user
    paid_before = timezone.now() - timedelta(days=14)
    for course in clinic.courses.filter(state__in=DIAGNOSED).select_related("patient"):
        primary, *others = DIAGNOSES[course.indication]
        add_diagnosis(course, prescriber, primary, primary=True)
        for code in others:
            add_diagnosis(course, therapist, code)
        for visit in billing.billable_visits(course.patient).filter(course=course):
            visit.clinic = clinic
            for code in VISIT_CODES[visit.kind]:
                line = billing.record_fee_line(visit, admin, code)
                if visit.starts_at < paid_before:
                    billing.mark_paid(line, admin, line.service_date)
