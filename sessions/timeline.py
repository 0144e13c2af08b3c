"""Dosing sessions on the patient chart's timeline: dose, peak BP, events, status.

Found by its module name (kapclinic/clinic/plugins.py); two queries whatever the number of
sessions (the chart page asserts its query count), read as plain rows.
"""

from decimal import Decimal

from django.db.models import IntegerField, OuterRef, Subquery
from django.urls import reverse

from kapclinic.clinic.selectors import counted
from kapclinic.clinic.statements import compiled
from kapclinic.clinic.timeline import TimelineEntry, register

from .models import Administration, AdverseEvent, DosingSession, VitalSigns
from .models.session import plain

TONE = {
    DosingSession.Status.OPEN: "info",
    DosingSession.Status.DISCHARGED: "warning",
    DosingSession.Status.SIGNED: "success",
}


def peak_reading(field):
    """`field` of the session's peak reading, as a subquery: the reading with the highest
    systolic pressure (then diastolic), the first of equals (the chart, the course summary)."""
    peak = VitalSigns.objects.filter(session=OuterRef("pk")).order_by(
        "-systolic", "-diastolic", "taken_at"
    )
    return Subquery(peak.values(field)[:1], output_field=IntegerField())


STATUS = dict(DosingSession.Status.choices)


def _sessions(*course_ids):
    return (
        DosingSession.objects.filter(course_id__in=course_ids)
        .annotate(
            peak_systolic=peak_reading("systolic"),
            peak_diastolic=peak_reading("diastolic"),
            event_count=counted(AdverseEvent.objects.filter(session=OuterRef("pk")), "session"),
        )
        .values_list(
            "pk",
            "started_at",
            "status",
            "appointment_id",
            "peak_systolic",
            "peak_diastolic",
            "event_count",
        )
    )


def _doses(*session_ids):
    return (
        Administration.objects.filter(session_id__in=session_ids)
        .order_by("given_at")
        .values_list("session_id", "amount_mg", "weight_kg")
    )


@register
def dosing_sessions(patient, courses):
    """One timeline entry per dosing session of the patient's courses, built from plain rows
    (no model objects: the chart spent more building them than reading them)."""
    course_ids = [course.pk for course in courses]
    if not course_ids:
        return []
    sessions = compiled("chart timeline: dosing sessions", course_ids, _sessions)
    doses = {}
    session_ids = [row[0] for row in sessions]
    for session_id, amount_mg, weight_kg in compiled("chart timeline: doses", session_ids, _doses):
        doses.setdefault(session_id, []).append(
            Administration(amount_mg=amount_mg, weight_kg=weight_kg)
        )
    url = reverse("dosing:session", args=[0]).rsplit("0", 1)
    return [_entry(row, doses.get(row[0], []), url) for row in sessions]


def _entry(row, doses, url):
    _pk, started_at, status, appointment_id, peak_systolic, peak_diastolic, count = row
    if doses:
        total = sum((d.amount_mg for d in doses), Decimal(0))
        per_kg = sum((d.mg_per_kg for d in doses), Decimal(0))
        boosters = f", {len(doses)} administrations" if len(doses) > 1 else ""
        title = f"Dosing session: {plain(total)} mg ({plain(per_kg)} mg/kg){boosters}"
    else:
        title = "Dosing session: no dose given"
    bp = f"Peak BP {peak_systolic}/{peak_diastolic}" if peak_systolic else "No vitals"
    events = f"{count} adverse event{'s' if count != 1 else ''}" if count else "No adverse events"
    return TimelineEntry(
        at=started_at,
        kind="dosing",
        title=title,
        detail=f"{bp} · {events} · {STATUS.get(status, status)}",
        tone="danger" if count else TONE[status],
        url=str(appointment_id).join(url),
    )
