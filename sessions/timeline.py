"""Dosing sessions on the patient chart's timeline: dose, peak BP, events, status.

Found by its module name (kapclinic/clinic/plugins.py); two queries whatever the number of
sessions (the chart page asserts its query count).
"""

from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from kapclinic.clinic.timeline import TimelineEntry, register

from .models import Administration, AdverseEvent, DosingSession, VitalSigns
from .models.session import plain

TONE = {
    DosingSession.Status.OPEN: "info",
    DosingSession.Status.DISCHARGED: "warning",
    DosingSession.Status.SIGNED: "success",
}


def _peak(field):
    # The reading with the highest systolic pressure (then diastolic) is the session's peak.
    peak = VitalSigns.objects.filter(session=OuterRef("pk")).order_by(
        "-systolic", "-diastolic", "taken_at"
    )
    return Subquery(peak.values(field)[:1], output_field=IntegerField())


@register
def dosing_sessions(patient, courses):
    """One timeline entry per dosing session of the patient's courses."""
    course_ids = [course.pk for course in courses]
    if not course_ids:
        return []
    events = (
        AdverseEvent.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sessions = (
        DosingSession.objects.filter(course_id__in=course_ids)
        .only("started_at", "status", "appointment")
        .annotate(
            peak_systolic=_peak("systolic"),
            peak_diastolic=_peak("diastolic"),
            event_count=Coalesce(Subquery(events, output_field=IntegerField()), Value(0)),
        )
        .prefetch_related(
            Prefetch(
                "administrations",
                queryset=Administration.objects.only(
                    "session", "given_at", "amount_mg", "weight_kg"
                ).order_by("given_at"),
            )
        )
    )
    return [_entry(session) for session in sessions]


def _entry(session):
    doses = list(session.administrations.all())
    if doses:
        total = sum((d.amount_mg for d in doses), Decimal(0))
        per_kg = sum((d.mg_per_kg for d in doses), Decimal(0))
        boosters = f", {len(doses)} administrations" if len(doses) > 1 else ""
        title = f"Dosing session: {plain(total)} mg ({plain(per_kg)} mg/kg){boosters}"
    else:
        title = "Dosing session: no dose given"
    bp = (
        f"Peak BP {session.peak_systolic}/{session.peak_diastolic}"
        if session.peak_systolic
        else "No vitals"
    )
    count = session.event_count
    events = f"{count} adverse event{'s' if count != 1 else ''}" if count else "No adverse events"
    return TimelineEntry(
        at=session.started_at,
        kind="dosing",
        title=title,
        detail=f"{bp} · {events} · {session.get_status_display()}",
        tone="danger" if count else TONE[session.status],
        url=reverse("dosing:session", args=[session.appointment_id]),
    )
