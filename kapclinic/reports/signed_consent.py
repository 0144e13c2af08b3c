"""The signed-consent PDF: the exact text of the version signed, and the signature on it.

It is the "source attachment" of a FHIR Consent (reference §6): the document's text,
version and effective date, the typed name, the moment and the address it was signed from,
and a withdrawal if there was one.
"""

from django.utils import timezone

from intake.consent import withdrawal_of
from intake.models import ConsentSignature

from .render import render_for_course

TEMPLATE = "reports/signed_consent.html"


def signatures():
    """Signatures with what the report shows; scope it with `.visible_to(user)`."""
    return ConsentSignature.objects.select_related(
        "document", "course__patient", "course__clinic", "withdrawal"
    )


def patient_id(signature):
    return signature.course.patient_id


def render(signature, *, generated_by, page_size=None):
    """The signed consent as a PDF, with times in the clinic's own time zone."""
    course = signature.course
    title = f"Signed consent: {signature.document.title} v{signature.document.version}"
    context = {
        "signature": signature,
        "document": signature.document,
        "withdrawal": withdrawal_of(signature),
        "patient": course.patient,
        "clinic": course.clinic,
        "generated_by": generated_by,
        "generated_at": timezone.now(),
    }
    return render_for_course(
        course,
        TEMPLATE,
        context,
        title=title,
        filename=f"signed-consent-{signature.pk}.pdf",
        page_size=page_size,
    )
