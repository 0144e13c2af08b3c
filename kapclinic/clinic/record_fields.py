"""Field declarations the phases' clinical records share, written once so they stay alike."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def optional_link(to, *, link=models.ForeignKey, **kwargs):
    """A link a record may leave empty; while it is set, what it points to is kept (PROTECT)."""
    return link(to, on_delete=models.PROTECT, null=True, blank=True, **kwargs)


def course_link(related_name, *, link=models.ForeignKey, **kwargs):
    """The treatment course a record belongs to: always set, and kept while the record is."""
    return link(
        "clinic.TreatmentCourse", on_delete=models.PROTECT, related_name=related_name, **kwargs
    )


def content_hash_field(help_text):
    """A signed record's SHA-256 as signed: 64 hex digits, empty until signing, never typed."""
    return models.CharField(max_length=64, blank=True, editable=False, help_text=help_text)


def count_between(low, high, default, label=None, help_text=""):
    """A whole number a clinic sets within limits (sessions, days, hours); the limits also
    word its refusal (kapclinic/clinic/limit_words.py)."""
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(low), MaxValueValidator(high)],
        help_text=help_text,
    )
