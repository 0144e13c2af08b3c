"""Publishing open slots: the times patients may ask for (issue 21). Staff of the clinic only."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, CREATE, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models.opening_hours import hours_of

from .models import OpenSlot, SlotKind

MAX_SLOTS_AT_ONCE = 24


def publishing_clinic(user):
    """The clinic this user publishes slots for, or None (patients, the superuser)."""
    provider = provider_for(user)
    return provider.clinic if provider is not None else None


def publish_slots(by, *, day, times, minutes, clinician=None, kind=SlotKind.INTEGRATION):
    """One slot per start time on `day` (clinic time), each `minutes` long, within the clinic's
    opening hours; all or none."""
    clinic = publishing_clinic(by)
    if clinic is None:
        raise ValidationError("Only the clinic's staff may publish open slots.")
    if clinician is not None and clinician.clinic_id != clinic.pk:
        raise ValidationError({"clinician": "The clinician works at another clinic."})
    if not times:
        raise ValidationError({"times": "Give at least one start time."})
    if len(times) > MAX_SLOTS_AT_ONCE:
        raise ValidationError({"times": f"Publish at most {MAX_SLOTS_AT_ONCE} slots at once."})
    tz, now = clinic.tz, timezone.now()
    slots = []
    for at in sorted(set(times)):
        local = datetime.datetime.combine(day, at)
        starts_at = local.replace(tzinfo=tz)
        if starts_at.astimezone(datetime.UTC).astimezone(tz).replace(tzinfo=None) != local:
            raise ValidationError({"times": f"The clocks change at {at:%H:%M}: choose another."})
        if starts_at <= now:
            raise ValidationError({"times": f"{at:%H:%M} on that day has passed."})
        ends_at = starts_at + datetime.timedelta(minutes=minutes)
        outside = hours_of(clinic).refusal(starts_at, ends_at, tz)
        if outside:
            raise ValidationError({"times": outside})
        if slots and starts_at < slots[-1].ends_at:
            raise ValidationError(
                {"times": f"{at:%H:%M} starts before the slot before it ends: space them out."}
            )
        slots.append(
            OpenSlot(
                clinic=clinic,
                clinician=clinician,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                published_by=by,
            )
        )
    with transaction.atomic():
        OpenSlot.objects.bulk_create(slots)
        audit(by, None, f"{len(slots)} open slots published", CREATE)
    return slots


def unpublish(by, slot):
    """Patients no longer see the slot; a request already made for it stays as it is."""
    clinic = publishing_clinic(by)
    if clinic is None or clinic.pk != slot.clinic_id:
        raise ValidationError("Only the clinic's staff may unpublish its slots.")
    OpenSlot.objects.filter(pk=slot.pk).update(active=False)
    slot.active = False
    audit(by, None, f"open slot {slot.pk} unpublished", CHANGE)
    return slot
