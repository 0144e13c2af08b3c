"""What happens while the patient is watched: vitals, observations, alerts, adverse events."""

from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import SafetyFlag
from kapclinic.clinic.submissions import save_once
from kapclinic.clinic.text_limits import required_text
from kapclinic.measures.models import QuestionnaireResponse

from .dose_errors import mark_dose_entered_in_error
from .locks import locked_open, locked_unsigned
from .models import Administration, AdverseEvent, DosingError, Observation, SessionAlert, VitalSigns
from .models.session import CLINICIANS


def _saved_once(session, by, data, kind, doing, write, lock=locked_open):
    """Clinicians only; `write` runs in one transaction on the session reloaded by `lock` (open
    for what is watched, unsigned for adverse events); the same form sent twice (its one-time
    request_key) saves once."""
    require_staff(by, session.course, CLINICIANS, doing, refusal=DosingError)

    def write_locked():
        with transaction.atomic():
            return write(lock(session), by, data)

    return save_once(data.get("request_key"), kind=kind, record=session, by=by, write=write_locked)


def record_vitals(session, by, data):
    """Add one set of readings; values past the alert limits open an in-session alert.

    Data: systolic, diastolic, heart_rate, spo2; optional respiratory_rate, temperature,
    taken_at (now); request_key (the form's one-time key: the same form sent twice saves once).
    """
    return _saved_once(session, by, data, VitalSigns, "record vital signs", _record_vitals)


def _record_vitals(session, by, data):
    vitals = VitalSigns(
        session=session,
        recorded_by=by,
        taken_at=data.get("taken_at") or timezone.now(),
        **{
            field: data.get(field)
            for field in (
                "systolic",
                "diastolic",
                "heart_rate",
                "spo2",
                "respiratory_rate",
                "temperature",
            )
        },
    )
    vitals.full_clean()
    vitals.save()
    findings = "; ".join(vitals.beyond_alert_limits(session.thresholds))
    _alert_and_audit(session, by, findings, f"vital signs {vitals.pk}", vital_signs=vitals)
    return vitals


def record_observation(session, by, data):
    """Sedation (MOAA/S), dissociation and support; optional CADSS-6 item answers.

    Data: moaas, dissociation; optional observed_at, dissociation_notes, therapist_present,
    support_notes, cadss6 (item key → 0–4), request_key. Raises the instrument's errors
    unchanged.
    """
    return _saved_once(session, by, data, Observation, "record an observation", _record_observation)


def _record_observation(session, by, data):
    observation = Observation(
        session=session,
        recorded_by=by,
        observed_at=data.get("observed_at") or timezone.now(),
        moaas=data.get("moaas"),
        dissociation=data.get("dissociation"),
        dissociation_notes=(data.get("dissociation_notes") or "").strip(),
        therapist_present=bool(data.get("therapist_present")),
        support_notes=(data.get("support_notes") or "").strip(),
    )
    observation.full_clean()
    if data.get("cadss6"):
        response = QuestionnaireResponse(
            course=session.course,
            instrument="cadss6",
            purpose=QuestionnaireResponse.Purpose.IN_SESSION,
            created_by=by,
        )
        observation.cadss6 = response.save_answers(data["cadss6"], complete=True)
    observation.save()
    message = observation.sedation_alert(session.thresholds)
    _alert_and_audit(session, by, message, f"observation {observation.pk}", observation=observation)
    return observation


def _alert_and_audit(session, by, message, recorded, **reading):
    """A reading past the protocol's limits (`message` says how) opens an in-session alert
    linked to it; every reading recorded is on the trail."""
    if message:
        SessionAlert.objects.create(session=session, message=message + ".", **reading)
    audit(by, session, f"dosing session {session.pk}: {recorded} recorded")


def acknowledge_alert(alert, by, action_taken):
    """A clinician says what was done about an in-session alert."""
    session = alert.session
    require_staff(by, session.course, CLINICIANS, "acknowledge an alert", refusal=DosingError)
    action_taken = required_text(
        action_taken, DosingError, "Record what was done before acknowledging the alert."
    )
    with transaction.atomic():
        alert = SessionAlert.objects.select_for_update(no_key=True).get(pk=alert.pk)
        if not alert.is_open:
            raise DosingError("This alert is already acknowledged.")
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), by
        alert.action_taken = action_taken
        alert.save()
        audit(by, session, f"in-session alert {alert.pk} acknowledged", CHANGE)
    return alert


def record_adverse_event(session, by, data):
    """Record an adverse event (reference §4.4); a serious one raises a safety flag.

    Allowed until the session is signed: effects are often reported after discharge.
    Data: kind, onset_at, severity, outcome, relatedness; optional description, serious,
    intervention, request_key.
    """
    return _saved_once(
        session,
        by,
        data,
        AdverseEvent,
        "record an adverse event",
        _record_adverse_event,
        lock=locked_unsigned,
    )


def _record_adverse_event(session, by, data):
    event = AdverseEvent(
        session=session,
        recorded_by=by,
        kind=data.get("kind"),
        description=(data.get("description") or "").strip(),
        onset_at=data.get("onset_at"),
        severity=data.get("severity"),
        serious=bool(data.get("serious")),
        intervention=(data.get("intervention") or "").strip(),
        outcome=data.get("outcome"),
        relatedness=data.get("relatedness"),
    )
    event.full_clean()
    event.save()
    if event.kind == AdverseEvent.Kind.SUICIDALITY:
        # Reference §4.4: a serious reaction, ticked or not; as a PHQ-9 item 9 answer or an
        # integration note's concerns, it raises a suicide-risk flag (a structured review).
        SafetyFlag.raise_for(
            session.course,
            source="Dosing session: suicidal thoughts or behaviour",
            reason=f"Adverse event in the dosing session: {event.label} "
            f"({event.get_severity_display().lower()}, {event.get_outcome_display().lower()}).",
            by=by,
            kind=SafetyFlag.Kind.SUICIDE_RISK,
        )
    elif event.serious:
        SafetyFlag.raise_for(
            session.course,
            source="Dosing session: serious adverse event",
            reason=f"Serious adverse event: {event.label} ({event.get_outcome_display()}).",
            by=by,
        )
    audit(by, session, f"dosing session {session.pk}: adverse event {event.pk} recorded")
    return event


# Entries a clinician may mark entered in error on the live screen, by their URL word.
CORRECTABLE = {
    "vitals": VitalSigns,
    "observation": Observation,
    "adverse-event": AdverseEvent,
    "dose": Administration,
}


def mark_entered_in_error(entry, by, reason):
    """Strike a wrong vitals, observation or adverse-event entry out of an unsigned session.

    Never a deletion: the row stays in the record with who, when and why, and stops counting
    (vitals due, gate, charts, reports). An open alert the entry raised is closed with the same
    reason. After signing, corrections are addenda. A dose has its own rules (a controlled
    drug: sessions.dose_errors).
    """
    if isinstance(entry, Administration):
        return mark_dose_entered_in_error(entry, by, reason)
    require_staff(
        by, entry.session.course, CLINICIANS, "mark an entry entered in error", refusal=DosingError
    )
    with transaction.atomic():
        session = locked_unsigned(entry.session)
        entry = type(entry).entries.select_for_update(no_key=True).get(pk=entry.pk)
        entry.mark_entered_in_error(by, reason)
        entry.save(
            update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
        )
        source = {VitalSigns: "vital_signs", Observation: "observation"}.get(type(entry))
        if source:
            raised = SessionAlert.objects.unacknowledged().filter(**{source: entry})
            for alert in raised.select_for_update(no_key=True):
                alert.acknowledged_at, alert.acknowledged_by = entry.entered_in_error_at, by
                alert.action_taken = f"Entry entered in error: {entry.entered_in_error_reason}"
                alert.save()
        what = f"{entry._meta.verbose_name} {entry.pk}"
        audit(by, session, f"dosing session {session.pk}: {what} marked entered in error", CHANGE)
    return entry
