"""The signed-consent PDF: the exact text of the version signed, and the signature on it.

It is the "source attachment" of a FHIR Consent (reference §6): the document's text,
version and effective date, the typed name, the moment and the address it was signed from,
and a withdrawal if there was one.
"""

from operator import attrgetter

from intake.consent import withdrawal_of
from intake.models import ConsentSignature

from .render import printed_for

TEMPLATE = "reports/signed_consent.html"
course_of = attrgetter("course")  # whose clinic and patient it is


def records():
    """Signatures with what the report shows; scope it with `.visible_to(user)`."""
    return ConsentSignature.objects.select_related(
        "document", "course__patient", "course__clinic", "withdrawal"
    )


def build_context(signature, *, generated_by, generated_at=None):
    course = signature.course
    return {
        "signature": signature,
        "document": signature.document,
        "withdrawal": withdrawal_of(signature),
        **printed_for(course, generated_by, generated_at),
    }


def title(signature):
    return f"Signed consent: {signature.document.title} v{signature.document.version}"


def filename(signature):
    return f"signed-consent-{signature.pk}.pdf"
