"""Pages of the controlled-substance register, under /stock/.

Thin: each view reads through `selectors` (scoped to the signed-in person's clinic), logs the
read in the audit trail, or calls one function of `services`. Nurses and prescribers record;
clinic admins read; therapists (who handle no drugs) and superusers are told there is nothing
here (404); patients are refused (403).
"""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.access import is_staff_member, provider_for
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.submissions import AlreadySaved, save_once

from . import forms, selectors, services
from .models import Discrepancy, LedgerEntry, StockLot, StorageLocation

REGISTER_ROWS = 200


def viewed(request, what, entries=()):
    """The read in the audit trail, filed against each patient the shown `entries` name."""
    AccessEvent.record_for_patients(
        actor=request.user,
        action=AccessEvent.Action.VIEW,
        what=what,
        patient_ids=named_patients(entries),
    )


def named_patients(entries):
    """The patients register entries name (a dose's course), read without a query."""
    return {entry.course.patient_id for entry in entries if entry.course_id}


def entered(data):
    """What was typed, less the form's one-time key: the register's forms name their fields as
    its services name their arguments."""
    return {name: value for name, value in data.items() if name != "request_key"}


class RegisterPage(StaffRequiredMixin, View):
    """Staff of the clinic in one of `roles`; anyone else on staff finds nothing here."""

    roles = selectors.READERS
    template_name = ""

    def dispatch(self, request, *args, **kwargs):
        served = hasattr(self, request.method.lower())  # else 405 before any record is looked up
        if served and request.user.is_authenticated and is_staff_member(request.user):
            provider = provider_for(request.user)
            if provider is None or provider.role not in self.roles:
                raise Http404("No controlled-substance register here.")
            self.provider, self.clinic = provider, provider.clinic
        return super().dispatch(request, *args, **kwargs)

    def page(self, request, context, status=200):
        context = {
            "clinic": self.clinic,
            "may_record": self.provider.role in services.RECORDERS,
            **context,
        }
        return render(request, self.template_name, context, status=status)


class RecordPage(RegisterPage):
    """A form that writes one entry: GET shows it, POST calls the service once per key."""

    roles = services.RECORDERS
    form_class = None
    # The service that writes the entry from what was typed, unless `perform` says otherwise.
    service = None
    done = "Saved."

    def get_form(self, data=None):
        return self.form_class(data, clinic=self.clinic)

    def perform(self, data):
        return self.service(by=self.request.user, **entered(data))

    def get(self, request):
        shown = [self.entry] if getattr(self, "entry", None) else ()  # a correction's entry
        viewed(request, f"controlled-substance register: {self.what} form viewed", shown)
        return self.page(request, {"form": self.get_form()})

    def post(self, request):
        form = self.get_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                save_once(
                    data.get("request_key"),
                    kind=LedgerEntry,
                    record=self.clinic,
                    by=request.user,
                    write=lambda: self.perform(data),
                )
            except AlreadySaved as duplicate:
                messages.warning(request, str(duplicate))
                return redirect("stock:register")
            except services.StockError as error:
                form.add_model_errors(error)
            else:
                messages.success(request, self.done)
                return redirect("stock:register")
        return self.page(request, {"form": form}, status=422)


class RegisterView(RegisterPage):
    template_name = "stock/register.html"

    def get(self, request):
        locations = list(StorageLocation.objects.filter(clinic=self.clinic))
        form = forms.RegisterFilterForm(
            request.GET or None, clinic_id=self.clinic.pk, locations=locations
        )
        entries = LedgerEntry.objects.filter(clinic=self.clinic).select_related(
            *selectors.SHOWN_WITH
        )
        if form.is_valid():
            data = form.cleaned_data
            entries = entries.filter(selectors.narrowed_to(**data))
            if data["kind"]:
                entries = entries.filter(kind=data["kind"])
            if data["start"]:
                entries = entries.filter(at__date__gte=data["start"])
            if data["end"]:
                entries = entries.filter(at__date__lte=data["end"])
        entries = list(entries.order_by("-at", "-pk")[:REGISTER_ROWS])
        viewed(request, "controlled-substance register viewed", entries)
        return self.page(
            request,
            {
                "filter_form": form,
                "entries": entries,
                "shown_max": len(entries) == REGISTER_ROWS,
                "balances": list(selectors.balances(self.clinic.pk).filter(quantity_mg__gt=0)),
                "remainders": list(selectors.open_remainders(self.clinic.pk)),
                "open_discrepancies": selectors.open_discrepancies(self.clinic.pk).count(),
                "locations": locations,
                "query": request.GET.urlencode(),
            },
        )


class LotHistoryView(RegisterPage):
    template_name = "stock/lot.html"

    def get(self, request, pk):
        lot = get_object_or_404(StockLot.objects.filter(clinic=self.clinic), pk=pk)
        entries = list(selectors.history(lot))
        viewed(request, f"controlled-substance register: lot {lot.pk} history viewed", entries)
        return self.page(
            request,
            {
                "lot": lot,
                "entries": entries,
                "balances": list(lot.balances.select_related("location")),
            },
        )


class ReverseEntryView(RecordPage):
    """Correct a mistaken receipt, waste, return or transfer: a reversing entry with the
    reason, never an edit (the register is evidence)."""

    template_name = "stock/reverse.html"
    form_class = forms.ReverseForm
    what = "correction"
    done = "The entry is reversed; both stay in the register."

    def entry_of(self, pk):
        entries = LedgerEntry.objects.filter(clinic=self.clinic).select_related(
            *selectors.SHOWN_WITH
        )
        return get_object_or_404(entries, pk=pk)

    def get(self, request, pk):
        self.entry = self.entry_of(pk)
        return super().get(request)

    def post(self, request, pk):
        self.entry = self.entry_of(pk)
        return super().post(request)

    def page(self, request, context, status=200):
        context = {"entry": self.entry, "entries": [self.entry], **context}
        return super().page(request, context, status)

    def perform(self, data):
        """The entry reversing the one chosen (a transfer's other side is reversed with it):
        the page's one-time key remembers one entry."""
        made = services.reverse(self.entry, self.request.user, **entered(data))
        return next(e for e in made if e.reverses_id == self.entry.pk)


class ReceiveView(RecordPage):
    template_name = "stock/receive.html"
    what = "receipt"
    done = "Delivery received into the register."

    def get_form(self, data=None):
        return forms.ReceiveForm(data, clinic_id=self.clinic.pk)

    def perform(self, data):
        return services.receive(self.clinic, self.request.user, **entered(data))


class TransferView(RecordPage):
    template_name = "stock/transfer.html"
    form_class = forms.TransferForm
    what = "transfer"
    done = "Transfer recorded."

    def perform(self, data):
        out, _into = services.transfer(by=self.request.user, **entered(data))
        return out


class WasteView(RecordPage):
    template_name = "stock/waste.html"
    service = staticmethod(services.waste)
    what = "waste"
    done = "Waste recorded with its witness."

    def get_form(self, data=None):
        initial = {}
        settles = self.request.GET.get("remainder")
        if data is None and settles and settles.isdigit():
            entry = (
                LedgerEntry.objects.open_remainders()
                .filter(clinic=self.clinic, pk=settles)
                .select_related("lot", "location")
                .first()
            )
            if entry is not None:
                balance = entry.lot.balances.filter(location=entry.location).first()
                initial = {
                    "settles": entry.pk,
                    "amount_mg": entry.remainder_mg,
                    "balance": balance.pk if balance else None,
                }
        return forms.WasteForm(data, clinic=self.clinic, initial=initial)


class ReturnView(RecordPage):
    template_name = "stock/return.html"
    form_class = forms.ReturnForm
    service = staticmethod(services.return_stock)
    what = "return"
    done = "Return recorded."


class CountView(RegisterPage):
    """The guided count of one safe: every lot kept there, expected amount hidden until saved
    so the counter counts what is there rather than confirming a number; a witness counts
    alongside and signs with their own password."""

    roles = services.RECORDERS
    template_name = "stock/count.html"

    def location(self, pk):
        return get_object_or_404(StorageLocation.objects.filter(clinic=self.clinic), pk=pk)

    def rows(self, location):
        return list(
            selectors.balances(self.clinic.pk, location).order_by("lot__product", "lot__expiry")
        )

    def get(self, request, pk):
        location = self.location(pk)
        viewed(request, f"controlled-substance register: count at {location} viewed")
        form = forms.CountWitnessForm(clinic=self.clinic)
        return self.page(request, {"location": location, "rows": self.rows(location), "form": form})

    def post(self, request, pk):
        location = self.location(pk)
        rows = self.rows(location)
        form = forms.CountWitnessForm(request.POST, clinic=self.clinic)
        counted, errors = {}, []
        for row in rows:
            value = request.POST.get(f"counted-{row.pk}", "").strip()
            try:
                counted[row.pk] = services.mg(value) if value else None
            except services.StockError:
                errors.append(f"Lot {row.lot.lot_number}: enter the mg counted as a number.")
        if form.is_valid() and not errors:
            try:
                opened = services.count(location, request.user, counted, **form.cleaned_data)
            except services.StockError as error:
                if error.field in form.fields:
                    form.add_model_errors(error)
                else:
                    errors.append(str(error))
            else:
                return self.saved(request, opened)
        for row in rows:
            row.typed = request.POST.get(f"counted-{row.pk}", "")
        context = {"location": location, "rows": rows, "errors": errors, "form": form}
        return self.page(request, context, status=422)

    def saved(self, request, opened):
        if opened:
            messages.warning(
                request,
                f"Count saved. {len(opened)} difference(s) opened as discrepancies for a "
                "prescriber who neither counted nor witnessed to resolve; the prescribers are "
                "told by email now.",
            )
            return redirect("stock:discrepancies")
        messages.success(request, "Count saved: every lot matches the register.")
        return redirect("stock:register")


class DiscrepancyListView(RegisterPage):
    template_name = "stock/discrepancies.html"

    def get(self, request):
        rows = list(
            Discrepancy.objects.filter(clinic=self.clinic)
            .select_related("lot", "location", "resolved_by", "count_entry__recorded_by")
            .order_by("-resolved_at", "-opened_at")[:200]
        )
        viewed(request, "controlled-substance register: discrepancies viewed")
        return self.page(
            request, {"discrepancies": rows, "is_prescriber": self.provider.role == "prescriber"}
        )


class ResolveDiscrepancyView(RegisterPage):
    roles = frozenset({"prescriber"})
    template_name = "stock/resolve.html"

    def get_discrepancy(self, pk):
        return get_object_or_404(
            Discrepancy.objects.filter(clinic=self.clinic).select_related("lot", "location"),
            pk=pk,
        )

    def get(self, request, pk):
        discrepancy = self.get_discrepancy(pk)
        viewed(request, f"controlled-substance register: discrepancy {discrepancy.pk} viewed")
        return self.page(request, {"discrepancy": discrepancy, "form": forms.ResolveForm()})

    def post(self, request, pk):
        discrepancy = self.get_discrepancy(pk)
        form = forms.ResolveForm(request.POST)
        if form.is_valid():
            try:
                # The reason found, and the prescriber's password as their signature.
                services.resolve_discrepancy(discrepancy, request.user, **form.cleaned_data)
            except services.StockError as error:
                form.add_model_errors(error)
            else:
                messages.success(request, "Discrepancy resolved and signed.")
                return redirect("stock:discrepancies")
        return self.page(request, {"discrepancy": discrepancy, "form": form}, status=422)


def moment_from(request, clinic):
    """?at=YYYY-MM-DDTHH:MM in the clinic's time, or now."""
    text = request.GET.get("at", "")
    try:
        naive = datetime.datetime.fromisoformat(text).replace(tzinfo=None)
        if not 1900 <= naive.year <= 2999:
            raise ValueError(text)
    except ValueError:
        return timezone.now()
    return timezone.make_aware(naive, clinic.tz)


class InventoryView(RegisterPage):
    template_name = "stock/inventory.html"

    def get(self, request):
        moment = moment_from(request, self.clinic)
        viewed(request, "controlled-substance register: inventory viewed")
        return self.page(
            request,
            {
                "moment": moment,
                "rows": selectors.inventory_at(self.clinic.pk, moment),
                "at": timezone.localtime(moment, self.clinic.tz).strftime("%Y-%m-%dT%H:%M"),
            },
        )
