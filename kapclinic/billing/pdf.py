"""The superbill as a PDF, through the reports' renderer (own fetcher, sandboxed)."""

from django.utils import timezone

from kapclinic.reports.render import render_pdf

TEMPLATE = "billing/superbill.html"


def render_superbill(bill, *, generated_by):
    """PDF bytes of a Superbill (services.superbill), in the clinic's time zone and paper."""
    clinic = bill.clinic
    title = f"Superbill: {bill.patient.legal_name}, {bill.start:%d %b %Y} to {bill.end:%d %b %Y}"
    with timezone.override(clinic.tz):
        return render_pdf(
            TEMPLATE,
            {
                "bill": bill,
                "patient": bill.patient,
                "clinic": clinic,
                "generated_by": generated_by,
                "generated_at": timezone.now(),
            },
            title=title,
            author=clinic.name,
            page_size=clinic.report_page_size or None,
        )


def filename(bill):
    """No patient name: downloads folders are not private."""
    return f"superbill-{bill.patient.pk}-{bill.start:%Y%m%d}-{bill.end:%Y%m%d}.pdf"
