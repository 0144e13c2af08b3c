"""Marking a kept row entered in error (`records.EnteredInError`): one rule for every record.

The reason is required and kept (500 characters, as the field holds); the row is locked so
two people striking it at once cannot both succeed. The caller checks who may do it, and
writes its audit row in the same transaction.
"""

from django.db import transaction
from django.utils import timezone


def strike_out(row, by, reason, *, refusal, ask_why, already, **also):
    """The row, locked, marked entered in error by `by` and saved (with `also`, the other
    fields the mark changes). Refuses with `refusal(ask_why)` for a blank reason and
    `refusal(already)` for a row already struck."""
    reason = (reason or "").strip()
    if not reason:
        raise refusal(ask_why)
    with transaction.atomic():
        locked = type(row).objects.select_for_update(no_key=True, of=("self",)).get(pk=row.pk)
        if not locked.in_force:
            raise refusal(already)
        locked.entered_in_error_at, locked.entered_in_error_by = timezone.now(), by
        locked.entered_in_error_reason = reason[:500]
        for field, value in also.items():
            setattr(locked, field, value)
        fields = ["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
        locked.save(update_fields=[*fields, *also])
    return locked
