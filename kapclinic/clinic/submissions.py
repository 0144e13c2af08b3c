"""A form sent twice writes once: the one mechanism every clinical entry uses.

Each form carries a one-time key drawn when it is rendered (`OneTimeKeyMixin` in forms). The
service that writes the entry wraps its write in `save_once(key, ...)`: the key is recorded in
the same transaction as the entry, so a double click, a retry after a network error or a
second tab posting the same form finds the key used and gets `AlreadySaved` with the entry
written the first time. Two requests at the same instant are decided by PostgreSQL: the second
insert of the key waits for the first transaction and then fails on the primary key; if the
first rolled back (a refusal, a field error), the key is free and the second writes.
"""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FormSubmission, JourneyError


class AlreadySaved(JourneyError):
    """This form was already sent and its entry saved: nothing new was written.

    `entry` is the entry the first request saved; views answer with it (HTTP 409 for a plain
    form post, the saved entry and a fresh form for htmx).
    """

    def __init__(self, entry, submission):
        self.entry = entry
        self.submission = submission
        what = entry._meta.verbose_name if entry is not None else "entry"
        at = timezone.localtime(submission.created_at)
        by = f" by {submission.by}" if submission.by else ""
        super().__init__(
            f"This form was already sent: its {what} was saved at {at:%H:%M}{by}. "
            "Nothing new was saved."
        )


def scope_of(record):
    """The label of the record an entry belongs to ("dosing.dosingsession:12")."""
    return f"{record._meta.label_lower}:{record.pk}"


def parse_key(key):
    """A UUID, or None for a missing or malformed key (then the write is not deduplicated)."""
    if not key:
        return None
    try:
        return key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
    except ValueError:
        return None


def earlier_entry(key, kind, record):
    """The entry of `kind` on `record` already written with this key, or None."""
    key = parse_key(key)
    if key is None:
        return None
    submission = (
        FormSubmission.objects.select_related("by")
        .filter(key=key, entry_type=ContentType.objects.get_for_model(kind))
        .first()
    )
    if submission is None or submission.scope != scope_of(record):
        return None
    return kind._base_manager.filter(pk=submission.entry_id).first()


def save_once(key, *, kind, record, by, write):
    """Run `write()` (which saves and returns one entry of `kind` on `record`) once per key.

    Without a key it simply writes (an import, the shell, a test). A used key raises
    AlreadySaved with the first entry; a key used for something else is refused.
    """
    key = parse_key(key)
    if key is None:
        return write()
    entry_type = ContentType.objects.get_for_model(kind)
    scope = scope_of(record)
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(key=key, entry_type=entry_type, scope=scope, by=by)
        except IntegrityError:
            submission = FormSubmission.objects.select_related("by").get(key=key)
            if submission.entry_type_id != entry_type.pk or submission.scope != scope:
                raise JourneyError(
                    "This form was already used for another record. Reload the page and "
                    "enter it again."
                ) from None
            entry = kind._base_manager.filter(pk=submission.entry_id).first()
            raise AlreadySaved(entry, submission) from None
        entry = write()
        FormSubmission.objects.filter(key=key).update(entry_id=entry.pk)
    return entry
