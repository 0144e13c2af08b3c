"""The controlled-substance register: lots in stock, where they are kept, and the ledger.

Every milligram of ketamine and esketamine is accounted for from delivery to patient or waste
(issue 17). Amounts are milligrams with one decimal place, like a dose. The ledger is
append-only (the ORM refuses changes, a PostgreSQL trigger refuses UPDATE and DELETE) and
hash-chained (chain.py); a mistake is corrected by a reversing entry with a reason. The running
balance per lot and location is a row kept beside the ledger, locked by every writer and never
negative (a CHECK constraint), so two nurses drawing the last stock at once cannot both succeed.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kapclinic.audit.evidence import ChainedEvidence, EvidenceQuerySet
from kapclinic.clinic.models import Product
from kapclinic.clinic.record_fields import optional_link

from . import chain

User = settings.AUTH_USER_MODEL
MG = {"max_digits": 10, "decimal_places": 1}
# domain reference §3: Spravato delivers 28 mg per nasal device.
NASAL_DEVICE_MG = Decimal("28")


class AppendOnlyError(Exception):
    """Register entries are evidence: corrections are reversing entries, never edits."""


class ControlledRegister(models.Model):
    """A clinic keeps the register from this date: from then on every dose draws from a lot."""

    clinic = models.OneToOneField(
        "clinic.Clinic", on_delete=models.CASCADE, related_name="controlled_register"
    )
    kept_from = models.DateField(help_text="Doses on or after this date must draw from stock.")

    class Meta:
        verbose_name = "controlled-substance register"

    def __str__(self):
        return f"{self.clinic} register from {self.kept_from:%d %b %Y}"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        """Once kept, the start date moves earlier only: a later one would let the doses in
        between skip the register (admin, page or shell alike: save() asks the same)."""
        stored = type(self).objects.filter(pk=self.pk).values_list("kept_from", flat=True).first()
        if (
            stored is not None
            and self.kept_from
            and self.kept_from > stored
            and stored <= self.clinic.today()
        ):
            raise ValidationError(
                {
                    "kept_from": f"The register has been kept since {stored:%d %b %Y}: this "
                    "date can only move earlier, so every dose since then stays accounted for."
                }
            )


class StorageLocation(models.Model):
    """A locked safe or cabinet where controlled drugs are kept."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="stock_location_unique_name")
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        """Once a register entry names this location its name stays: the entries point to this
        row, and a new name would change where the register says the drug was when each entry
        was written (admin or shell alike: save() asks the same)."""
        if self.pk is None:
            return
        stored = type(self).objects.filter(pk=self.pk).values_list("name", flat=True).first()
        if stored not in (None, self.name) and LedgerEntry.objects.filter(location=self).exists():
            raise ValidationError(
                {
                    "name": f"The register already names “{stored}” in its entries, so the name "
                    "cannot change. To keep the drug somewhere else, create a new location and "
                    "move the stock there (a transfer)."
                }
            )


class StockForm(models.TextChoices):
    VIAL = "vial", "Vial"
    TROCHE = "troche", "Troche / rapid-dissolving tablet"
    NASAL_DEVICE = "nasal_device", "Nasal spray device"


class StockLot(models.Model):
    """One manufacturer's lot of one product and form, as delivered to the clinic."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=20, choices=Product.choices)
    form = models.CharField(max_length=20, choices=StockForm.choices)
    lot_number = models.CharField(max_length=60)
    expiry = models.DateField()
    supplier = models.CharField(max_length=120)
    # A vial: mg/mL × volume; a troche: mg per unit; a nasal device: 28 mg.
    mg_per_ml = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    volume_ml = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    unit_mg = models.DecimalField(max_digits=8, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "expiry", "lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"], name="stock_lot_unique_per_product"
            ),
            models.CheckConstraint(condition=Q(unit_mg__gt=0), name="stock_lot_unit_positive"),
            models.CheckConstraint(
                condition=~Q(form=StockForm.VIAL)
                | Q(mg_per_ml__gt=0, volume_ml__gt=0, unit_mg=F("mg_per_ml") * F("volume_ml")),
                name="stock_lot_vial_is_strength_times_volume",
            ),
            models.CheckConstraint(
                condition=~Q(form=StockForm.NASAL_DEVICE) | Q(unit_mg=NASAL_DEVICE_MG),
                name="stock_lot_nasal_device_is_28mg",
            ),
        ]

    def __str__(self):
        return f"{self.get_product_display()} lot {self.lot_number}"

    @property
    def unit_label(self):
        """What one unit is, for people: "vial 10 mL × 50 mg/mL = 500 mg"."""
        if self.form == StockForm.VIAL:
            return f"vial {self.volume_ml:g} mL × {self.mg_per_ml:g} mg/mL = {self.unit_mg:g} mg"
        if self.form == StockForm.NASAL_DEVICE:
            return f"nasal device, {self.unit_mg:g} mg"
        return f"troche, {self.unit_mg:g} mg"


class Balance(models.Model):
    """The running balance of one lot at one location: the row every writer locks."""

    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="+")
    quantity_mg = models.DecimalField(**MG, default=Decimal("0"))

    class Meta:
        ordering = ["lot__product", "lot__expiry", "location__name"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="stock_balance_one_per_place"),
            models.CheckConstraint(
                condition=Q(quantity_mg__gte=0), name="stock_balance_never_negative"
            ),
        ]

    def __str__(self):
        return f"{self.lot} at {self.location}: {self.quantity_mg:g} mg"


class Kind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    ADMINISTRATION = "administration", "Administration"
    WASTE = "waste", "Waste"
    RETURN = "return", "Return / destruction"
    COUNT = "count", "Count"


# The sign an original (not reversing) entry's quantity takes, per kind; a count adjusts
# either way (counted − expected).
ADDS = (Kind.RECEIPT, Kind.TRANSFER_IN)
TAKES = (Kind.TRANSFER_OUT, Kind.ADMINISTRATION, Kind.WASTE, Kind.RETURN)


class LedgerQuerySet(EvidenceQuerySet):
    def open_remainders(self):
        """Administrations that left part of a vial or unit not yet wasted or returned."""
        settled = LedgerEntry.objects.filter(settles=models.OuterRef("pk"), reversed_by=None)
        return self.filter(
            kind=Kind.ADMINISTRATION, remainder_mg__gt=0, reverses=None, reversed_by=None
        ).exclude(models.Exists(settled))


class LedgerEntry(ChainedEvidence):
    """One movement of stock (or a count) at one lot and location; written once."""

    hash_chain = chain.REGISTER
    refusal = AppendOnlyError
    cannot_change = "Register entries cannot be changed: add a reversing entry."
    cannot_delete = "Register entries cannot be deleted: add a reversing entry."
    one_at_a_time = "Register entries are chained one at a time."

    at = models.DateTimeField(default=timezone.now, db_index=True)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="entries")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity_mg = models.DecimalField(**MG, help_text="Signed: + into stock, − out of it.")
    balance_after_mg = models.DecimalField(**MG)
    # An administration from a part-used vial or unit: what is left to waste or return.
    remainder_mg = models.DecimalField(**MG, default=Decimal("0"))
    counted_mg = models.DecimalField(**MG, null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    witnessed_by = optional_link(User, related_name="+")
    course = optional_link("clinic.TreatmentCourse", related_name="+")
    settles = optional_link("self", related_name="settled_by")
    reverses = optional_link("self", link=models.OneToOneField, related_name="reversed_by")
    counterpart = optional_link("self", link=models.OneToOneField, related_name="+")
    supplier = models.CharField(max_length=120, blank=True)
    reference = models.CharField(
        max_length=120, blank=True, help_text="Invoice, order or reverse-distributor number."
    )
    method = models.CharField(max_length=120, blank=True, help_text="How it was wasted.")
    reason = models.TextField(blank=True)
    previous_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "register entry"
        verbose_name_plural = "register entries"
        indexes = [models.Index(fields=["clinic", "at"]), models.Index(fields=["lot", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after_mg__gte=0), name="stock_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(reverses=None)
                | Q(kind__in=ADDS, quantity_mg__gt=0)
                | Q(kind__in=TAKES, quantity_mg__lt=0)
                | Q(kind=Kind.COUNT, counted_mg__isnull=False),
                name="stock_entry_sign_fits_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.WASTE)
                | Q(witnessed_by__isnull=False)
                | Q(reverses__isnull=False),
                name="stock_waste_is_witnessed",
            ),
            models.CheckConstraint(
                condition=Q(witnessed_by=None) | ~Q(witnessed_by=F("recorded_by")),
                name="stock_witness_is_someone_else",
            ),
            models.CheckConstraint(
                condition=Q(reverses=None) | ~Q(reason=""),
                name="stock_reversal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity_mg:+g} mg of {self.lot_id}"

    @property
    def is_reversal(self):
        return self.reverses_id is not None

    @property
    def reversing_entry(self):
        """The entry that reverses this one, or None (read with select_related("reversed_by"),
        as the register's lists are, so no query per row)."""
        try:
            return self.reversed_by
        except LedgerEntry.DoesNotExist:
            return None


class Discrepancy(models.Model):
    """A count that did not match the register: open until a prescriber signs a reason."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    count_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="discrepancy"
    )
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="+")
    expected_mg = models.DecimalField(**MG)
    counted_mg = models.DecimalField(**MG)
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_by = optional_link(User, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["resolved_at", "-opened_at"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at=None) | (~Q(resolution="") & Q(resolved_by__isnull=False)),
                name="stock_discrepancy_resolved_with_reason",
            ),
        ]

    def __str__(self):
        return f"Discrepancy {self.pk}: {self.lot} at {self.location}"

    @property
    def difference_mg(self):
        return self.counted_mg - self.expected_mg

    @property
    def is_open(self):
        return self.resolved_at is None
