"""How long free text may be: a limit that suits each kind of field, kept by model and form.

The model field carries the limit as a validator (full_clean, the admin, every service that
cleans) and as max_length (which Django forms turn into the textarea's maxlength, and which
static/js/text-counter.js counts down). Hand-written forms and services that skip full_clean
use `check_length` so the person sees the same plain message; `required_text` refuses a
reason or note left blank (or only spaces) before anything is written.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

JOURNAL_ENTRY = 20_000  # several pages of reflection; 60,000 was accepted before (issue 18)
NOTE_SECTION = 10_000  # one section of an integration note
CLINICAL_TEXT = 8_000  # a decision's rationale
SHORT_REASON = 4_000  # an override reason, a message to the patient, what was done


def too_long_message(limit):
    return (
        f"This can be up to {limit:,} characters; it has %(show_value)s. "
        "Please shorten it (or split it into two)."
    )


def limited(limit):
    """Keyword arguments for a TextField or CharField limited to `limit` characters."""
    return {
        "max_length": limit,
        "validators": [MaxLengthValidator(limit, message=too_long_message(limit))],
    }


def check_length(text, limit):
    """Raise ValidationError with the plain message when `text` is over `limit` characters."""
    if text is not None and len(text) > limit:
        raise ValidationError(
            too_long_message(limit) % {"show_value": f"{len(text):,}"}, code="max_length"
        )


def required_text(text, refusal, message):
    """`text` stripped of surrounding spaces; blank, it raises `refusal(message)` (the caller's
    own error and words, e.g. DosingError or a field's ValidationError)."""
    text = (text or "").strip()
    if not text:
        raise refusal(message)
    return text
