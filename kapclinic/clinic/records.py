"""The clinical-record kit every phase builds on: written once, signed, then only added to.

Three shapes of record, as Django keeps `AbstractBaseUser` for every user model:

- `ImmutableModel`: written once (a submission, a signature, a decision); never changed or
  deleted, a new record replaces it.
- `SignedRecord`: a draft that is signed (the dosing session, the integration note); once
  signed it refuses save, update and delete, and its content hash shows nothing changed since.
- `AbstractAddendum`: a correction or late entry to a signed record; never edited itself.
- `EnteredInError`: a row that was a mistake stays on record, struck through, with who marked
  it, when and why (a diagnosis, a fee line).

Each phase keeps its own error class (`refusal`), so its pages show the refusal as they
always did.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models.journey import JourneyError
from .record_fields import optional_link


class ImmutableRecordError(Exception):
    """A signed or submitted clinical record cannot change; add a new record instead."""


class SignedRecordError(Exception):
    """A signed record cannot change: write an addendum instead."""


class RecordKeptError(Exception):
    """Clinical rows are kept for the retention period: mark them entered in error instead."""


class ImmutableModel(models.Model):
    """Rows that are written once: saves after creation and deletes are refused.

    A record may word its refusals (`cannot_change`, `cannot_delete`) to say what to do instead.
    """

    refusal = ImmutableRecordError
    cannot_change = None
    cannot_delete = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.refusal(
                self.cannot_change or f"A {self._meta.verbose_name} cannot be changed once saved."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.refusal(self.cannot_delete or f"A {self._meta.verbose_name} cannot be deleted.")


SIGNED = "signed"


class SignedRecordQuerySet(models.QuerySet):
    """Bulk writes obey the same rule as save(): a signed record never changes."""

    def signed(self):
        return self.filter(status=SIGNED)

    def update(self, **kwargs):
        if self.signed().exists():
            raise SignedRecordError(f"A signed {self.model._meta.verbose_name} cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.signed().exists():
            raise SignedRecordError(f"A signed {self.model._meta.verbose_name} cannot be deleted.")
        raise RecordKeptError(self.model.kept_message)


class SignedRecord(models.Model):
    """A record with a `status` that ends in "signed": frozen from then on, never deleted.

    Subclasses hold `status`, `content_hash` and say what a refused delete tells the user
    (`kept_message`) and what the hash covers (`current_content_hash()`).
    """

    kept_message = "A clinical record is never deleted."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self._stored_status() == SIGNED:
            raise SignedRecordError(f"A signed {self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == SIGNED:
            raise SignedRecordError(f"A signed {self._meta.verbose_name} cannot be deleted.")
        raise RecordKeptError(self.kept_message)

    def _stored_status(self):
        """The status in the database, not the one being saved: a signed row stays signed."""
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()

    @property
    def is_signed(self):
        return self.status == SIGNED

    def current_content_hash(self):
        raise NotImplementedError

    def seal(self):
        """Store the content hash of the record as it stands; called by signing, before save."""
        self.content_hash = self.current_content_hash()

    def verify_content_hash(self):
        """Does the stored record still hash to what was signed?

        True or False; None for a record signed before hashes were kept (or not signed).
        """
        stored = type(self).objects.get(pk=self.pk)
        if not stored.content_hash:
            return None
        return stored.content_hash == stored.current_content_hash()


class AddendumQuerySet(models.QuerySet):
    """Addenda are never changed or deleted in bulk either."""

    def update(self, **kwargs):
        raise self.model.refusal("An addendum cannot be changed: add another one.")

    def delete(self):
        raise self.model.refusal("An addendum cannot be deleted.")


class AbstractAddendum(models.Model):
    """A correction or late entry, added at any time, even after signing; never edited.

    The concrete addendum adds the record it belongs to and its own check constraint.
    """

    refusal = JourneyError

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        abstract = True
        ordering = ["written_at", "pk"]

    def __str__(self):
        return f"Addendum by {self.author} at {self.written_at:%d %b %Y %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.refusal("An addendum cannot be changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.refusal("An addendum cannot be deleted.")


class EnteredInError(models.Model):
    """A row kept when it proves a mistake: marked entered in error (who, when, why), and left
    out of everything in force, so the record still shows what was believed and when."""

    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    entered_in_error_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def in_force(self):
        return self.entered_in_error_at is None
