"""Recording fees and payments, and reading a superbill: the one place each happens.

Any active member of the patient's clinic's staff may record a fee line or mark it paid
(in most clinics the front desk or a clinic admin does the billing); nobody else may.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.in_error import strike_out
from kapclinic.clinic.models import Appointment, Diagnosis, TreatmentCourse

from .codes import DEFAULT_FEES, Fee
from .models import FeeLine, FeeScheduleItem

# A fee is for a visit that took place: the patient checked in (or it was completed).
BILLABLE_STATUSES = (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED)
MAX_RANGE_DAYS = 366 * 3


class BillingError(Exception):
    """Refused; the message is shown to the person as is."""


def fee_schedule(clinic):
    """code → Fee: the defaults, overlaid by the clinic's own rows (inactive ones withdraw)."""
    schedule = {fee.code: fee for fee in DEFAULT_FEES}
    for item in FeeScheduleItem.objects.filter(clinic=clinic):
        if not item.active:
            schedule.pop(item.code, None)
            continue
        schedule[item.code] = Fee(
            item.code, item.system, item.description, item.fee, item.is_drug, item.unit
        )
    return schedule


def _biller(user, clinic_id):
    provider = provider_for(user)
    if provider is None or provider.clinic_id != clinic_id:
        raise BillingError("Only the clinic's own staff record fees and payments.")
    return provider


def billable_visits(patient):
    """The patient's visits that took place, newest first."""
    return (
        Appointment.objects.filter(patient=patient, status__in=BILLABLE_STATUSES)
        .select_related("clinician__user")
        .order_by("-starts_at")
    )


def record_fee_line(appointment, by, code, units=1):
    """Bill one code for one visit, at the clinic's fee for it; the drug is a line of its own."""
    _biller(by, appointment.clinic_id)
    if appointment.status not in BILLABLE_STATUSES:
        raise BillingError("Fees are recorded for visits that took place (checked in).")
    fee = fee_schedule(appointment.clinic).get(code)
    if fee is None:
        raise BillingError("Pick a code from the clinic's fee schedule.")
    if units < 1:
        raise BillingError("Units must be at least 1.")
    unit_fee = Decimal(fee.fee).quantize(Decimal("0.01"))
    with transaction.atomic():
        line = FeeLine.objects.create(
            appointment=appointment,
            patient_id=appointment.patient_id,
            clinic_id=appointment.clinic_id,
            service_date=timezone.localtime(appointment.starts_at, appointment.clinic.tz).date(),
            code=fee.code,
            system=fee.system,
            description=fee.description,
            is_drug=fee.is_drug,
            units=units,
            unit_fee=unit_fee,
            amount=unit_fee * units,
            provider_id=appointment.clinician_id,
            recorded_by=by,
        )
        audit(by, appointment, f"fee line {fee.code} recorded, appointment {appointment.pk}")
    return line


def mark_paid(line, by, paid_on):
    """Record that the patient paid this line (no money moves here)."""
    _biller(by, line.clinic_id)
    if paid_on > timezone.localdate(timezone=line.clinic.tz):
        raise BillingError("A payment cannot be dated in the future.")
    with transaction.atomic():
        locked = FeeLine.objects.select_for_update(no_key=True, of=("self",)).get(pk=line.pk)
        if not locked.in_force:
            raise BillingError("This line was entered in error.")
        if locked.is_paid:
            raise BillingError("This line is already marked paid.")
        locked.paid_on, locked.paid_recorded_by = paid_on, by
        locked.paid_recorded_at = timezone.now()
        locked.save(update_fields=["paid_on", "paid_recorded_by", "paid_recorded_at"])
        what = f"fee line {locked.code} marked paid, appointment {locked.appointment_id}"
        audit(by, locked, what, CHANGE)
    return locked


def enter_in_error(line, by, reason):
    """A wrong line stays on record, struck through, and leaves every superbill."""
    _biller(by, line.clinic_id)
    with transaction.atomic():
        locked = strike_out(
            line,
            by,
            reason,
            refusal=BillingError,
            ask_why="Say why this line was entered in error.",
            already="This line is already marked entered in error.",
        )
        what = f"fee line {locked.code} entered in error, appointment {locked.appointment_id}"
        audit(by, locked, what, CHANGE)
    return locked


# --- The superbill ---------------------------------------------------------------------------


@dataclass
class Superbill:
    patient: object
    start: datetime.date
    end: datetime.date
    lines: list
    diagnoses: list
    providers: list

    @property
    def clinic(self):
        return self.patient.clinic

    @property
    def codes(self):
        return sorted({line.code for line in self.lines})

    @cached_property
    def totals(self):
        """Charged, paid and the balance: the sums of the lines themselves."""
        charged = sum((line.amount for line in self.lines), Decimal("0.00"))
        paid = sum((line.amount for line in self.lines if line.is_paid), Decimal("0.00"))
        return {"charged": charged, "paid": paid, "balance": charged - paid}


def parse_range(start, end, today):
    """The dates asked for, as dates; a missing start is 1 January of the end's year."""
    try:
        end = datetime.date.fromisoformat(end) if end else today
        start = datetime.date.fromisoformat(start) if start else end.replace(month=1, day=1)
    except ValueError as error:
        raise BillingError("Give the dates as year-month-day, e.g. 2026-01-31.") from error
    if start > end:
        raise BillingError("The start date is after the end date.")
    if (end - start).days > MAX_RANGE_DAYS:
        raise BillingError("Ask for at most three years at a time.")
    return start, end


def superbill(patient, start, end):
    """The patient's billed visits between two dates (inclusive), in three queries: lines
    with their providers, diagnoses of the courses billed, and nothing else. Totals are the
    sums of the lines themselves."""
    lines = list(
        FeeLine.objects.in_force()
        .filter(patient=patient, service_date__gte=start, service_date__lte=end)
        .select_related("provider__user", "appointment")
        .order_by("service_date", "appointment__starts_at", "is_drug", "pk")
    )
    course_ids = {line.appointment.course_id for line in lines}
    courses = TreatmentCourse.objects.filter(pk__in=course_ids).prefetch_related(
        Prefetch("diagnoses", queryset=Diagnosis.objects.in_force(), to_attr="billed")
    )
    diagnoses, seen = [], set()
    for course in courses:
        for dx in course.billed:
            if dx.code not in seen:
                seen.add(dx.code)
                diagnoses.append(dx)
    diagnoses.sort(key=lambda dx: (not dx.primary, dx.added_at))
    providers = sorted(
        {line.provider for line in lines if line.provider is not None},
        key=lambda p: p.pk,
    )
    return Superbill(patient, start, end, lines, diagnoses, providers)
