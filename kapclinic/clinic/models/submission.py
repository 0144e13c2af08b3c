"""One-time form keys already used by a clinical write: a double submit writes once."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class FormSubmission(models.Model):
    """A form's one-time key, recorded in the same transaction as the entry it wrote.

    One shared table rather than a key column on every entry table: a new kind of entry (a
    risk review, a safety plan) becomes idempotent by calling `write_once` with no migration
    of its own, and the primary key is the one unique constraint that decides, on PostgreSQL,
    which of two simultaneous requests writes (the other waits on the key, then finds it used).
    `scope` names the record the entry belongs to, so a key is only ever answered with an
    entry of the same kind on the same record.
    """

    key = models.UUIDField(primary_key=True, editable=False)
    entry_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    entry_id = models.BigIntegerField(null=True, blank=True)
    scope = models.CharField(max_length=80)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["entry_type", "entry_id"])]

    def __str__(self):
        return f"Form {self.key} → {self.entry_type.model} {self.entry_id}"
