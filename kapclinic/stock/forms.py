"""Forms of the register's pages, and the dose form's lot field (added by the dosing phase)."""

from django import forms
from django.utils import timezone

from kapclinic.clinic.form_fields import signature_password
from kapclinic.clinic.forms import DrawnOnceMixin, FieldErrorsForm, OneTimeKeyMixin
from kapclinic.clinic.models import Product
from kapclinic.clinic.text_limits import SHORT_REASON

from .models import Balance, LedgerEntry, StockForm, StorageLocation
from .selectors import register_kept_on


class BalanceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, balance):
        lot = balance.lot
        return (
            f"{lot.lot_number} · {balance.location} · {balance.quantity_mg:g} mg · "
            f"{lot.unit_label} · expires {lot.expiry:%d %b %Y}"
        )


def stock_on_hand(clinic, product=None):
    rows = Balance.objects.filter(lot__clinic=clinic, quantity_mg__gt=0).select_related(
        "lot", "location"
    )
    if product:
        rows = rows.filter(lot__product=product)
    return rows.order_by("lot__expiry", "lot__lot_number", "location__name")


def add_stock_lot_field(form, clinic, product):
    """Where the clinic keeps the register today, a dose names the lot and location it draws
    from instead of typing a lot number and expiry (they come from the lot)."""
    if not register_kept_on(clinic, timezone.localdate(timezone=clinic.tz)):
        return
    form.fields.pop("lot_number", None)
    form.fields.pop("lot_expiry", None)
    form.fields["stock_lot"] = BalanceChoiceField(
        label="Drawn from (lot and location)",
        queryset=stock_on_hand(clinic, product),
        help_text="The controlled-substance register records the draw; part of a vial left "
        "over must then be wasted with a witness or returned.",
    )
    form.FIELD_FOR = {**form.FIELD_FOR, "lot_number": "stock_lot", "lot_expiry": "stock_lot"}


def amount_field(label, max_digits=10, **options):
    """A positive amount to one decimal place, as the register keeps them."""
    return forms.DecimalField(
        label=label, min_value=0.1, max_digits=max_digits, decimal_places=1, **options
    )


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.email} ({user.provider.get_role_display()})"


def colleagues(clinic_id):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            provider__clinic_id=clinic_id,
            provider__active=True,
            is_active=True,
            provider__role__in=["nurse", "prescriber", "therapist"],
        )
        .select_related("provider")
        .order_by("last_name", "first_name", "email")
    )


def witness_fields(label="Witness"):
    """A second clinician, and their own password typed now as their signature."""
    password = forms.CharField(
        label="Witness's password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The witness types their own password to sign.",
    )
    return StaffField(label=label, queryset=None), password


class ReceiveForm(OneTimeKeyMixin, FieldErrorsForm):
    location = forms.ModelChoiceField(label="Into storage location", queryset=None)
    product = forms.ChoiceField(label="Product", choices=Product.choices)
    form = forms.ChoiceField(label="Form", choices=StockForm.choices)
    lot_number = forms.CharField(label="Lot number", max_length=60)
    expiry = forms.DateField(
        label="Expiry", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    supplier = forms.CharField(label="Supplier", max_length=120)
    reference = forms.CharField(label="Invoice or order number", max_length=120)
    mg_per_ml = amount_field("Strength (mg/mL)", 6, required=False, help_text="Vials only.")
    volume_ml = amount_field("Volume per vial (mL)", 6, required=False, help_text="Vials only.")
    unit_mg = amount_field(
        "mg per troche", 8, required=False, help_text="Troches only. A nasal device is 28 mg."
    )
    units = forms.IntegerField(label="Units received", min_value=1, max_value=10000)
    witnessed_by, witness_password = witness_fields("Witnessed by")

    def __init__(self, *args, clinic_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = StorageLocation.objects.filter(clinic_id=clinic_id)
        self.fields["witnessed_by"].queryset = colleagues(clinic_id)


class TransferForm(OneTimeKeyMixin, FieldErrorsForm):
    balance = BalanceChoiceField(label="Lot and location", queryset=None)
    to_location = forms.ModelChoiceField(label="To storage location", queryset=None)
    amount_mg = amount_field("Amount (mg)")
    reason = forms.CharField(label="Reason", required=False, max_length=SHORT_REASON)
    witness, witness_password = witness_fields("Witness (sees it moved and put away)")

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["balance"].queryset = stock_on_hand(clinic)
        self.fields["to_location"].queryset = StorageLocation.objects.filter(clinic=clinic)
        self.fields["witness"].queryset = colleagues(clinic.pk)


class CountWitnessForm(FieldErrorsForm):
    """The second person of a count; the amounts counted are the page's own fields, one per
    lot kept at the location."""

    witness, witness_password = witness_fields("Witness (counts with you)")

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"].queryset = colleagues(clinic.pk)


class RemainderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, entry):
        when = timezone.localtime(entry.at)
        return (
            f"{entry.remainder_mg:g} mg left from the dose at {when:%d %b %H:%M} "
            f"(lot {entry.lot.lot_number}, {entry.location})"
        )


class WasteForm(OneTimeKeyMixin, FieldErrorsForm):
    balance = BalanceChoiceField(label="Lot and location", queryset=None)
    settles = RemainderChoiceField(
        label="Remainder of a dose",
        queryset=None,
        required=False,
        help_text="Choose it when emptying a part-used vial; the amount must match.",
    )
    amount_mg = amount_field("Amount wasted (mg)")
    method = forms.CharField(
        label="Method", max_length=120, help_text="e.g. drawn into a denaturing drug-disposal pouch"
    )
    reason = forms.CharField(label="Note", required=False, max_length=SHORT_REASON)
    witness, witness_password = witness_fields()

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["balance"].queryset = stock_on_hand(clinic)
        self.fields["settles"].queryset = (
            LedgerEntry.objects.open_remainders()
            .filter(clinic=clinic)
            .select_related("lot", "location")
        )
        self.fields["witness"].queryset = colleagues(clinic.pk)


class ReturnForm(OneTimeKeyMixin, FieldErrorsForm):
    balance = BalanceChoiceField(label="Lot and location", queryset=None)
    amount_mg = amount_field("Amount (mg)")
    reference = forms.CharField(
        label="Reverse distributor's number",
        required=False,
        max_length=120,
        help_text="Leave empty when the stock is destroyed here.",
    )
    reason = forms.CharField(label="Note", required=False, max_length=SHORT_REASON)
    witness, witness_password = witness_fields("Witness (sees it handed over or destroyed)")

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["balance"].queryset = stock_on_hand(clinic)
        self.fields["witness"].queryset = colleagues(clinic.pk)


class ReverseForm(OneTimeKeyMixin, FieldErrorsForm):
    reason = forms.CharField(
        label="Why this entry was wrong",
        max_length=SHORT_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    witness, witness_password = witness_fields("Witness (checks the correction)")

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"].queryset = colleagues(clinic.pk)


class ResolveForm(FieldErrorsForm):
    reason = forms.CharField(
        label="What was found, and why",
        max_length=SHORT_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    password = signature_password()


class RegisterFilterForm(DrawnOnceMixin, forms.Form):
    """The register's filters; unbound (the page as first opened) it is drawn once per process.
    Its location list is the one the page reads anyway (`locations`), so drawing it asks no
    query of its own."""

    product = forms.ChoiceField(
        label="Product", required=False, choices=[("", "All")] + list(Product.choices)
    )
    lot = forms.CharField(label="Lot number", required=False, max_length=60)
    location = forms.ModelChoiceField(
        label="Location", required=False, queryset=None, empty_label="All"
    )
    kind = forms.ChoiceField(label="Kind", required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, clinic_id, locations, **kwargs):
        from .models import Kind

        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        location.queryset = StorageLocation.objects.filter(clinic_id=clinic_id)  # validates
        location.choices = [("", location.empty_label)] + [
            (place.pk, location.label_from_instance(place)) for place in locations
        ]
        self.fields["kind"].choices = [("", "All")] + list(Kind.choices)
