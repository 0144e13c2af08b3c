"""The controlled-substance register and inventory for an inspector, as PDF and CSV.

Both formats are built from the same selectors (`kapclinic.stock.selectors`): the register
lists every entry of the period with each lot's totals (opening + received − administered −
wasted − returned ± transfers ± count adjustments = closing, difference 0); the inventory lists
every lot on hand at a moment. Each download is audit-logged as an export.
"""

import csv
import datetime
import io

from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.views import View

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import Clinic, Product
from kapclinic.stock import selectors
from kapclinic.stock.forms import RegisterFilterForm
from kapclinic.stock.models import Kind, StorageLocation
from kapclinic.stock.views import moment_from, named_patients

from .render import render_pdf
from .sandbox import RenderStopped

FORMATS = ("pdf", "csv")
TOTAL_COLUMNS = (
    ("opening", "Opening"),
    ("received", "Received"),
    ("administered", "Administered"),
    ("wasted", "Wasted"),
    ("returned", "Returned"),
    ("transferred_in", "Transferred in"),
    ("transferred_out", "Transferred out"),
    ("adjusted", "Count adjustments"),
    ("closing", "Closing"),
    ("difference", "Difference"),
)


def safe_cell(value):
    """A spreadsheet never runs a cell as a formula: text starting = + - @ gets a quote."""
    text = "" if value is None else str(value)
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text
    )


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def period_of(request, clinic):
    """?start=YYYY-MM-DD&end=YYYY-MM-DD (inclusive days, clinic time); default this month."""
    today = timezone.localdate(timezone=clinic.tz)

    def day(name, default):
        try:
            value = datetime.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default
        return value if 1900 <= value.year <= 2999 else default

    start, end = day("start", today.replace(day=1)), day("end", today)
    if end < start:
        start, end = end, start

    def moment(d):
        return timezone.make_aware(datetime.datetime.combine(d, datetime.time()), clinic.tz)

    return start, end, moment(start), moment(end + datetime.timedelta(days=1))


class StockReport(StaffRequiredMixin, View):
    """Readers of the clinic's register (nurses, prescribers, clinic admins); else 404."""

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("fmt") not in FORMATS:
            raise Http404("No such format.")
        return super().dispatch(request, *args, **kwargs)

    def clinic(self, request):
        clinic_id = selectors.reader_clinic_id(request.user)
        if clinic_id is None:
            raise Http404("No controlled-substance register here.")
        return Clinic.objects.get(pk=clinic_id)

    def answer(self, request, clinic, fmt, *, name, title, template, context, rows, entries=()):
        """The download, audit-logged as a copy of each patient its `entries` name."""
        AccessEvent.record_for_patients(
            actor=request.user,
            action=AccessEvent.Action.EXPORT,
            what=f"controlled-substance register: {name} exported ({fmt.upper()})",
            patient_ids=named_patients(entries),
        )
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow([safe_cell(cell) for cell in row])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        with timezone.override(clinic.tz):
            try:
                pdf = render_pdf(
                    template,
                    {
                        "clinic": clinic,
                        "generated_at": timezone.now(),
                        "generated_by": request.user.get_full_name() or request.user.email,
                        **context,
                    },
                    title=title,
                    author=clinic.name,
                    page_size=clinic.report_page_size or None,
                )
            except RenderStopped:
                return HttpResponse("The report could not be produced now.", status=503)
        return FileResponse(
            io.BytesIO(pdf),
            as_attachment=True,
            filename=f"{name}.pdf",
            content_type="application/pdf",
        )


def register_rows(totals, tz):
    yield ["Controlled-substance register: entries"]
    yield [
        "When",
        "Kind",
        "Product",
        "Lot",
        "Location",
        "Change (mg)",
        "Balance (mg)",
        "Recorded by",
        "Witness",
        "Patient",
        "Remainder (mg)",
        "Counted (mg)",
        "Supplier",
        "Reference",
        "Method",
        "Reason",
        "Reverses entry",
        "Reversed by entry",
        "Entry",
        "Hash",
    ]
    for lot_totals in totals:
        for e in lot_totals.entries:
            yield [
                timezone.localtime(e.at, tz).strftime("%Y-%m-%d %H:%M"),
                e.get_kind_display(),
                e.lot.get_product_display(),
                e.lot.lot_number,
                e.location.name,
                e.quantity_mg,
                e.balance_after_mg,
                e.recorded_by.get_full_name() or e.recorded_by.email,
                (e.witnessed_by.get_full_name() or e.witnessed_by.email) if e.witnessed_by else "",
                e.course.patient.legal_name if e.course else "",
                e.remainder_mg or "",
                "" if e.counted_mg is None else e.counted_mg,
                e.supplier,
                e.reference,
                e.method,
                e.reason,
                e.reverses_id or "",
                e.reversing_entry.pk if e.reversing_entry else "",
                e.pk,
                e.row_hash,
            ]
    yield []
    yield ["Period totals (mg)"]
    yield ["Product", "Lot", "Location", *(label for _, label in TOTAL_COLUMNS)]
    for t in totals:
        yield [
            t.lot.get_product_display(),
            t.lot.lot_number,
            t.location.name,
            *(getattr(t, name) for name, _ in TOTAL_COLUMNS),
        ]


def register_filter(request, clinic):
    """The screen's filter as its download link carries it (product, lot, place, kind):
    (narrowing Q, kind, the filter in words for the paper). Dates are the period's own."""
    form = RegisterFilterForm(
        request.GET,
        clinic_id=clinic.pk,
        locations=list(StorageLocation.objects.filter(clinic=clinic)),
    )
    if not form.is_valid():
        return None, "", ""
    data = form.cleaned_data
    words = [
        f"{form.fields[name].label}: {value}"
        for name, value in (
            ("product", Product(data["product"]).label if data["product"] else ""),
            ("lot", (data["lot"] or "").strip()),
            ("location", data["location"] or ""),
            ("kind", Kind(data["kind"]).label if data["kind"] else ""),
        )
        if value
    ]
    return selectors.narrowed_to(**data), data["kind"], "; ".join(words)


class StockRegisterReport(StockReport):
    def get(self, request, fmt):
        clinic = self.clinic(request)
        start, end, since, until = period_of(request, clinic)
        where, kind, filtered = register_filter(request, clinic)
        totals = selectors.period_totals(clinic.pk, since, until, where=where, kind=kind)
        rows = register_rows(totals, clinic.tz)
        if filtered:
            rows = ([f"Filtered: {filtered}"], *rows)
        return self.answer(
            request,
            clinic,
            fmt,
            name=f"controlled-register-{start:%Y%m%d}-{end:%Y%m%d}",
            title="Controlled-substance register",
            template="reports/stock_register.html",
            context={
                "totals": totals,
                "start": start,
                "end": end,
                "columns": TOTAL_COLUMNS,
                "filtered": filtered,
            },
            rows=rows,
            entries=[e for lot_totals in totals for e in lot_totals.entries],
        )


class StockInventoryReport(StockReport):
    def get(self, request, fmt):
        clinic = self.clinic(request)
        moment = moment_from(request, clinic)
        rows = selectors.inventory_at(clinic.pk, moment)
        local = timezone.localtime(moment, clinic.tz)
        csv_rows = [
            [f"Inventory at {local:%Y-%m-%d %H:%M %Z}"],
            ["Product", "Form", "Lot", "Expiry", "Location", "On hand (mg)"],
            *(
                [
                    lot.get_product_display(),
                    lot.unit_label,
                    lot.lot_number,
                    lot.expiry.isoformat(),
                    location.name,
                    quantity,
                ]
                for lot, location, quantity in rows
            ),
        ]
        return self.answer(
            request,
            clinic,
            fmt,
            name=f"controlled-inventory-{local:%Y%m%d-%H%M}",
            title="Controlled-substance inventory",
            template="reports/stock_inventory.html",
            context={"rows": rows, "moment": moment},
            rows=csv_rows,
        )
