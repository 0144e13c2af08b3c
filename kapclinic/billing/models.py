"""Fee schedules and fee lines: what a visit was billed, and whether it was paid.

No payment is processed here: staff record the fee for a visit and, when the patient has
paid, mark the line paid. Lines are never deleted; a mistake is marked entered in error.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.models import Appointment, Clinic, Patient, Provider, User
from kapclinic.clinic.record_fields import optional_link
from kapclinic.clinic.records import EnteredInError

from .codes import CPT, HCPCS

SYSTEMS = [(CPT, "CPT"), (HCPCS, "HCPCS Level II")]


class FeeScheduleItem(models.Model):
    """One clinic's own fee for a code; codes it has no row for keep the default
    (codes.DEFAULT_FEES). An inactive row withdraws the code from the clinic's list."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="fee_schedule")
    code = models.CharField(max_length=10)
    system = models.CharField(max_length=10, choices=SYSTEMS, default=CPT)
    description = models.CharField(
        max_length=120, help_text="Your own short words; do not paste the AMA's CPT descriptor."
    )
    fee = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    is_drug = models.BooleanField(default=False, help_text="A drug, billed as its own line.")
    unit = models.CharField(max_length=20, blank=True, help_text="For drugs, e.g. 1 mg.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="fee_code_once_per_clinic"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class FeeLineQuerySet(PatientRecordQuerySet):
    patient_path, clinic_field = "patient__", "clinic_id"

    def in_force(self):
        return self.filter(entered_in_error_at__isnull=True)


class FeeLine(EnteredInError):
    """One billed service or drug for one visit. Its code, words and fee are copied from the
    schedule when recorded, so a later change of fee does not rewrite a past superbill."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="fee_lines")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="fee_lines")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField()
    code = models.CharField(max_length=10)
    system = models.CharField(max_length=10, choices=SYSTEMS)
    description = models.CharField(max_length=120)
    is_drug = models.BooleanField(default=False)
    units = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_fee = models.DecimalField(max_digits=8, decimal_places=2)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    provider = optional_link(
        Provider, related_name="+", help_text="The rendering provider: the visit's clinician."
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    paid_on = models.DateField(null=True, blank=True)
    paid_recorded_by = optional_link(User, related_name="+")
    paid_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = FeeLineQuerySet.as_manager()

    class Meta:
        ordering = ["service_date", "is_drug", "pk"]
        indexes = [models.Index(fields=["patient", "service_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=F("units") * F("unit_fee")),
                name="fee_line_amount_is_units_x_fee",
            ),
            models.CheckConstraint(condition=Q(unit_fee__gte=0), name="fee_line_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_recorded_by__isnull=False),
                name="fee_line_paid_says_who",
            ),
        ]

    def __str__(self):
        return f"{self.service_date} {self.code} {self.amount}"

    @property
    def is_paid(self):
        return self.paid_on is not None
