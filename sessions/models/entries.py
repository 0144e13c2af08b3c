"""Clinical entries are never deleted: a wrong one is marked "entered in error" and kept.

The mark records who, when and why. A marked entry stays in the record (struck through on
screen and on paper) but no longer counts: the default manager (`objects`) leaves it out, so
the gate, the monitoring schedule, charts, alerts and reports cannot use it by mistake, while
`entries` holds every row for showing the whole record and for its content hash.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kapclinic.clinic.record_fields import optional_link

User = settings.AUTH_USER_MODEL


def in_effect_manager(queryset_class):
    """A manager of `queryset_class` that leaves out entries marked entered in error."""

    class InEffectManager(models.Manager.from_queryset(queryset_class)):
        def get_queryset(self):
            return super().get_queryset().filter(entered_in_error_at__isnull=True)

    return InEffectManager()


def entered_in_error_constraint(prefix):
    """The mark is all or nothing: a time, a person and a reason together."""
    return models.CheckConstraint(
        condition=Q(
            entered_in_error_at__isnull=True,
            entered_in_error_by__isnull=True,
            entered_in_error_reason="",
        )
        | (
            Q(entered_in_error_at__isnull=False, entered_in_error_by__isnull=False)
            & ~Q(entered_in_error_reason="")
        ),
        name=f"{prefix}_entered_in_error_has_reason",
    )


class EnteredInError(models.Model):
    """Fields and rule for marking a clinical entry entered in error instead of deleting it."""

    entered_in_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    entered_in_error_by = optional_link(User, related_name="+", editable=False)
    entered_in_error_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def entered_in_error(self):
        return self.entered_in_error_at is not None

    def mark_entered_in_error(self, by, reason):
        """Set the mark (the caller saves, inside its transaction). A reason is mandatory."""
        reason = (reason or "").strip()
        if self.entered_in_error:
            raise ValidationError(
                {NON_FIELD_ERRORS: "This entry is already marked entered in error."}
            )
        if not reason:
            raise ValidationError({"reason": "Say why this entry is in error."})
        self.entered_in_error_at, self.entered_in_error_by = timezone.now(), by
        self.entered_in_error_reason = reason
