"""The Spravato REMS Patient Monitoring Form, generated from an esketamine session's record.

Discharge and signing call `generate_for(session)`; the fields are kept by
`kapclinic.rems` (core) and printed by the REMS form report (top floor). Spravato label: blood
pressure before the dose, at about 40 minutes and before discharge; monitoring for at least
2 hours from the first device until the patient is ready to leave (reference §3, §4.1).
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from intake.medications import recognise
from intake.models import IntakeSubmission
from kapclinic.clinic.models import Product
from kapclinic.rems import services as rems

from .models import AdverseEvent, Discharge, Dissociation, Sedation
from .models.session import plain

# The CNS depressants of the interacting-medicines table (reference §2, Spravato §7).
SEDATING_CLASSES = ("benzodiazepine", "sedative", "opioid")
# Spravato label: BP at about 40 minutes after dosing; a reading within this window counts.
AT_40_TARGET = timedelta(minutes=40)
AT_40_WINDOW = (timedelta(minutes=25), timedelta(minutes=60))
DISSOCIATION_ORDER = [choice for choice, _ in Dissociation.choices]
# Respiratory depression on the form: recorded as an adverse event, or SpO2 below this.
SPO2_LOW = 93


def esketamine_doses(session):
    return [dose for dose in session.administrations.all() if dose.product == Product.ESKETAMINE]


def generate_for(session):
    """Write (or refresh) the session's monitoring form when esketamine was given; else None."""
    doses = esketamine_doses(session)
    if not doses:
        return None
    tz = session.course.clinic.tz
    return rems.generate_monitoring_form(
        session.appointment,
        session_on=timezone.localdate(session.started_at, tz),
        fields=monitoring_form_fields(session, doses),
    )


def _clock(moment, tz):
    return timezone.localtime(moment, tz).strftime("%H:%M") if moment else ""


def _minutes(start, moment):
    return int((moment - start).total_seconds() // 60)


def _reading(reading, first, tz):
    if reading is None:
        return None
    return {
        "at": _clock(reading.taken_at, tz),
        "at_iso": reading.taken_at.isoformat(),
        "minutes_after_first_device": _minutes(first, reading.taken_at),
        "systolic": reading.systolic,
        "diastolic": reading.diastolic,
        "heart_rate": reading.heart_rate,
        "spo2": reading.spo2,
    }


def _sedating_medicines(course):
    submission = (
        IntakeSubmission.objects.filter(course=course).order_by("-number").only("answers").first()
    )
    items = ((submission.answers if submission else {}).get("medications") or {}).get("items")
    return [
        {"name": med.name, "dose": med.dose, "frequency": med.frequency}
        for med in recognise(items)
        if any(cls in SEDATING_CLASSES for cls in med.classes)
    ]


def monitoring_form_fields(session, doses):
    """Every field of the form, JSON-ready, times in the clinic's zone as well as ISO."""
    tz = session.course.clinic.tz
    first = min(dose.given_at for dose in doses)
    readings = sorted(session.vitals.all(), key=lambda r: (r.taken_at, r.pk))
    observations = sorted(session.observations.all(), key=lambda o: (o.observed_at, o.pk))
    events = list(AdverseEvent.objects.filter(session=session).order_by("onset_at", "pk"))
    discharge = Discharge.objects.filter(session=session).first()
    ready = discharge.discharged_at if discharge else None

    before = [r for r in readings if r.taken_at <= first]
    low, high = first + AT_40_WINDOW[0], first + AT_40_WINDOW[1]
    around_40 = [r for r in readings if low <= r.taken_at <= high]
    at_40 = min(around_40, key=lambda r: abs(r.taken_at - (first + AT_40_TARGET)), default=None)
    before_leaving = [
        r for r in readings if r.taken_at > first and (not ready or r.taken_at <= ready)
    ]

    deepest = min(observations, key=lambda o: o.moaas, default=None)
    worst = max(observations, key=lambda o: DISSOCIATION_ORDER.index(o.dissociation), default=None)
    respiratory_events = [e for e in events if e.kind == AdverseEvent.Kind.RESPIRATORY_DEPRESSION]
    lowest_spo2 = min((r.spo2 for r in readings if r.taken_at >= first), default=None)
    lots = sorted({dose.lot_number for dose in doses})
    course = session.course
    dob, day = course.patient.date_of_birth, timezone.localdate(first, tz)
    enrolment = rems.enrolment_for(course.patient_id, day)
    certification = rems.certification_for(course.clinic, day)
    return {
        "patient": course.patient.legal_name,
        "date_of_birth": dob.isoformat() if dob else "",
        "enrolment_id": getattr(enrolment, "enrolment_id", ""),
        "certification_number": getattr(certification, "number", ""),
        "session_on": timezone.localdate(session.started_at, tz).isoformat(),
        "sedating_medicines": _sedating_medicines(course),
        "doses": [
            {
                "at": _clock(dose.given_at, tz),
                "amount_mg": plain(dose.amount_mg),
                "device_count": dose.device_count,
                "lot_number": dose.lot_number,
                "lot_expiry": dose.lot_expiry.isoformat(),
            }
            for dose in sorted(doses, key=lambda d: d.given_at)
        ],
        "total_mg": plain(sum((dose.amount_mg for dose in doses), Decimal(0))),
        "device_count": sum(dose.device_count or 0 for dose in doses),
        "lots": lots,
        "first_device_at": _clock(first, tz),
        "ready_to_leave_at": _clock(ready, tz),
        "monitoring_minutes": _minutes(first, ready) if ready else None,
        "bp_before": _reading(before[-1] if before else None, first, tz),
        "bp_at_40_minutes": _reading(at_40, first, tz),
        "bp_before_discharge": _reading(before_leaving[-1] if before_leaving else None, first, tz),
        "readings": [_reading(r, first, tz) for r in readings],
        "deepest_sedation": Sedation(deepest.moaas).label if deepest else "",
        "worst_dissociation": worst.get_dissociation_display() if worst else "",
        "observations": [
            {
                "at": _clock(o.observed_at, tz),
                "sedation": Sedation(o.moaas).label,
                "dissociation": o.get_dissociation_display(),
            }
            for o in observations
        ],
        "respiratory_depression": bool(respiratory_events)
        or (lowest_spo2 is not None and lowest_spo2 < SPO2_LOW),
        "lowest_spo2": lowest_spo2,
        "adverse_events": [
            {
                "at": _clock(e.onset_at, tz),
                "event": e.label,
                "severity": e.get_severity_display(),
                "serious": e.serious,
                "outcome": e.get_outcome_display(),
            }
            for e in events
        ],
    }
