"""Discharge (reference §4.5): observation time, modified Aldrete, companion and aftercare.

A nurse or prescriber discharges when every criterion holds; when one does not, only a
prescriber may discharge, with a written reason that is kept with the discharge and logged.
"""

from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import SafetyFlag
from kapclinic.clinic.submissions import save_once

from . import rems_form
from .gate import failing
from .gate import first_dose_at as first_dose
from .gate_items import GateItem, duration
from .locks import locked_open
from .models import ALDRETE_COMPONENTS, AdverseEvent, Discharge, DosingError, DosingSession
from .models.session import DOSING_ROLES, PRESCRIBER

# Adverse-event outcomes that leave the patient not yet fit to go home without a prescriber.
UNSETTLED = frozenset(
    {
        AdverseEvent.Outcome.NOT_RESOLVED,
        AdverseEvent.Outcome.TRANSFERRED,
        AdverseEvent.Outcome.UNKNOWN,
    }
)


def discharge_criteria(
    session,
    record,
    at=None,
    *,
    doses=None,
    open_alerts=None,
    readings=None,
    events=None,
    risk=True,
):
    """Each discharge criterion for this (unsaved) Discharge, passed or not, in words.

    `doses` (in the order given), the number of `open_alerts`, the `readings` and adverse
    `events` in effect save reading them again when the caller already holds them; `risk`
    False leaves out the suicide-risk item (the screen's preview, which does not show it:
    the checklist's safety-flag item does)."""
    protocol = session.thresholds
    at = at or record.discharged_at or timezone.now()
    items = []
    if doses is None:
        doses = list(session.administrations.order_by("given_at", "pk").only("given_at"))
    first_dose_at = first_dose(session, doses)
    needed = protocol.minimum_observation_minutes
    if first_dose_at is None:
        items.append(GateItem("observation_time", "Observation time", True, "No dose was given."))
    else:
        watched = (at - first_dose_at).total_seconds() / 60
        # domain reference §4.2 and §4.5: Spravato REMS observe at least 2 h.
        items.append(
            GateItem(
                "observation_time",
                "Observation time",
                watched >= needed,
                f"{duration(watched)} since the first dose; the protocol needs {duration(needed)}.",
            )
        )
    # domain reference §4.5: modified Aldrete ≥ 9 to discharge.
    minimum, total = protocol.discharge_aldrete_minimum, record.total
    items.append(
        GateItem(
            "aldrete",
            "Modified Aldrete score",
            total is not None and total >= minimum,
            f"Total {total} of 10; discharge needs at least {minimum}.",
        )
    )
    items.append(
        GateItem(
            "companion",
            "Companion present",
            bool(record.companion_present),
            "A responsible adult is here to take the patient home."
            if record.companion_present
            else "No responsible adult is here to take the patient home.",
        )
    )
    items.append(
        GateItem(
            "aftercare",
            "Aftercare instructions given",
            bool(record.aftercare_given),
            "Told: no driving or machinery until the next day after restful sleep."
            if record.aftercare_given
            else "Aftercare instructions (no driving until the next day) not yet given.",
        )
    )
    if open_alerts is None:
        open_alerts = session.alerts.unacknowledged().count()
    items.append(
        GateItem(
            "alerts",
            "In-session alerts acknowledged",
            not open_alerts,
            f"{open_alerts} alert(s) still need acknowledging."
            if open_alerts
            else "Every in-session alert is acknowledged.",
        )
    )
    if first_dose_at is not None:
        items.append(_latest_reading(session, readings, doses[-1].given_at))
    items.append(_adverse_events(session, events))
    if risk:
        items.append(_suicide_risk(session))
    return items


def _suicide_risk(session):
    """No suicide-risk flag raised since the session started still awaits its risk review:
    suicidal thoughts voiced in the chair are reviewed before the patient goes home
    (reference §1.5, §4.4), or a prescriber writes why they may go."""
    label = "No suicide-risk flag of this session awaiting its review"
    flags = SafetyFlag.objects.filter(
        course_id=session.course_id,
        kind=SafetyFlag.Kind.SUICIDE_RISK,
        raised_at__gte=session.started_at,
    ).open()
    sources = list(flags.values_list("source", flat=True))
    if not sources:
        return GateItem("suicide_risk", label, True, "No suicide-risk flag was raised today.")
    return GateItem(
        "suicide_risk",
        label,
        False,
        f"Open since this session started: {'; '.join(sources)}. A clinician records the risk "
        "review first, or a prescriber discharges with a reason.",
    )


def _latest_reading(session, readings, last_dose_at):
    """The latest reading, taken since the last dose, within the protocol's in-session alert
    limits: an acknowledged alert is not a settled patient, and the Aldrete circulation item is
    the clinician's own score (reference §4.5: BP declining/safe); vitals before and after the
    dose at minimum (§4.2), so the pre-dose baseline cannot send the patient home. The latest
    of all, whatever discharge time is typed: a reading taken after it shows the patient was
    still in the chair."""
    label = "Latest reading within the in-session alert limits"  # taken since the last dose
    if readings is None:
        latest = session.vitals.order_by("-taken_at", "-pk").first()
    else:
        latest = max(readings, key=lambda reading: (reading.taken_at, reading.pk), default=None)
    if latest is None:
        return GateItem("latest_reading", label, False, "No vital signs are recorded.")
    tz = session.course.clinic.tz
    taken = timezone.localtime(latest.taken_at, tz)
    if latest.taken_at < last_dose_at:
        dosed = timezone.localtime(last_dose_at, tz)
        return GateItem(
            "latest_reading",
            label,
            False,
            f"No reading since the dose at {dosed:%H:%M} (the latest is of {taken:%H:%M}): "
            "record BP, heart rate and SpO2 before discharge.",
        )
    findings = latest.beyond_alert_limits(session.thresholds)
    if findings:
        return GateItem(
            "latest_reading",
            label,
            False,
            f"Reading of {taken:%H:%M}: {'; '.join(findings)}. Recheck before discharge.",
        )
    return GateItem(
        "latest_reading",
        label,
        True,
        f"Reading of {taken:%H:%M} (BP {latest.systolic}/{latest.diastolic}, "
        f"HR {latest.heart_rate}, SpO2 {latest.spo2}%) is within them.",
    )


def _adverse_events(session, events=None):
    """No adverse event left not resolved, of unknown outcome or transferred to emergency care
    (the latest of its kind): the patient goes home only when what happened has settled
    (reference §4.4, §4.5)."""
    label = "No adverse event left unresolved"
    if events is None:
        events = list(session.adverse_events.all())
    # Events are written once: the latest of each kind says how it stands now.
    latest = {}
    for event in sorted(events, key=lambda event: (event.onset_at, event.pk)):
        latest[event.kind] = event
    open_events = [event for event in latest.values() if event.outcome in UNSETTLED]
    if not open_events:
        return GateItem("adverse_events", label, True, "No adverse event is left unresolved.")
    named = "; ".join(
        f"{event.get_kind_display()} ({event.get_outcome_display().lower()})"
        for event in open_events
    )
    return GateItem(
        "adverse_events",
        label,
        False,
        f"{named}. Record the event again once it has settled, or a prescriber may discharge "
        "with a reason.",
    )


def discharge(session, by, data):
    """Discharge the patient and close the session for dosing; returns the Discharge.

    Data: activity, respiration, circulation, consciousness, spo2 (each 0–2),
    companion_present, aftercare_given; optional discharged_at (now) and override_reason
    (a prescriber's, when a criterion fails); request_key (the form's one-time key).
    """
    provider = require_staff(
        by, session.course, DOSING_ROLES, "discharge a patient", refusal=DosingError
    )
    return save_once(
        data.get("request_key"),
        kind=Discharge,
        record=session,
        by=by,
        write=lambda: _discharge(session, by, data, provider),
    )


def _discharge(session, by, data, provider):
    override_reason = (data.get("override_reason") or "").strip()
    with transaction.atomic():
        session = locked_open(session)
        record = Discharge(
            session=session,
            discharged_by=by,
            discharged_at=data.get("discharged_at") or timezone.now(),
            companion_present=bool(data.get("companion_present")),
            aftercare_given=bool(data.get("aftercare_given")),
            **{name: data.get(name) for name in ALDRETE_COMPONENTS},
        )
        record.full_clean(exclude=["session", "failed_criteria"])
        failed = failing(discharge_criteria(session, record))
        if failed:
            reasons = " ".join(f"{item.label}: {item.reason}" for item in failed)
            if not override_reason:
                raise DosingError(f"Not ready for discharge. {reasons}")
            if provider.role not in PRESCRIBER:
                raise DosingError(
                    f"Only a prescriber may discharge when a criterion is not met. {reasons}"
                )
            record.override_reason = override_reason
            record.failed_criteria = [item.as_record() for item in failed]
            record._change_reason = f"Discharge criteria overridden: {override_reason}"
        record.save()
        session.status = DosingSession.Status.DISCHARGED
        session.save(update_fields=["status"])
        rems_form.generate_for(session)
        audit(by, session, f"dosing session {session.pk}: patient discharged", CHANGE)
        if failed:
            audit(
                by,
                session,
                f"dosing session {session.pk}: discharge criteria overridden "
                f"({', '.join(item.key for item in failed)})",
                CHANGE,
            )
    return record
