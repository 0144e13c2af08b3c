"""A patient's requests about their own record, asked and answered: the one place every writer
calls (the patient's page, a clinician's page, a shell).

The patient asks for a copy of their clinicians' notes, or for a correction saying what is
wrong; at most one open request of each kind. A clinician of the patient's clinic answers it
once, in words for the patient, done or declined; a declined correction keeps the record as it
was and says why (the patient may ask again with more). Both are in the audit trail.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, CREATE, audit

from .access import patient_for, provider_for
from .models import Patient, RecordRequest
from .text_limits import SHORT_REASON, check_length

Kind, Outcome = RecordRequest.Kind, RecordRequest.Outcome


def _within_limit(field, text):
    try:
        check_length(text, SHORT_REASON)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


def ask(by, kind, details=""):
    """The signed-in patient's own request; refused beside the field it is about."""
    patient = patient_for(by)
    if patient is None:
        raise ValidationError("Only the patient may ask about their own record.")
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose what you are asking for."})
    details = (details or "").strip()
    if kind == Kind.CORRECTION and not details:
        raise ValidationError({"details": "Say what is wrong, and what it should say."})
    _within_limit("details", details)
    with transaction.atomic():
        # One request of a kind at a time, even from two tabs: the patient's row is the lock.
        locked = Patient.objects.select_for_update(no_key=True, of=("self",))
        patient = locked.select_related("clinic").get(pk=patient.pk)
        waiting = RecordRequest.objects.open().filter(patient=patient, kind=kind).first()
        if waiting is not None:
            asked_on = timezone.localdate(waiting.asked_at, patient.clinic.tz)
            raise ValidationError(
                {
                    "kind": f"You asked for this on {asked_on:%-d %b %Y}; the clinic "
                    f"answers by {waiting.due_on:%-d %b %Y}."
                }
            )
        today = timezone.localdate(timezone=patient.clinic.tz)
        request = RecordRequest.objects.create(
            patient=patient,
            kind=kind,
            details=details,
            due_on=today + datetime.timedelta(days=patient.clinic.record_request_days),
        )
        audit(by, patient, f"request about the record asked: {request.get_kind_display()}", CREATE)
    return request


def answer(request, by, outcome, answer, *, release_notes=False):
    """A clinician of the patient's clinic answers, once, in words the patient reads.

    `release_notes`: a request for notes, done, lets the patient download the notes signed by
    now in the app (kapclinic/reports/released_notes.py) instead of being sent them; to
    withhold them (HIPAA's harm exception), decline and say why."""
    provider = provider_for(by)
    if provider is None or not provider.is_clinician:
        raise ValidationError("Only a clinician of the patient's clinic may answer.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Say whether it is done or declined."})
    words = (answer or "").strip()
    if not words:
        why = "Say why, for the patient." if outcome == Outcome.DECLINED else "Say what was done."
        raise ValidationError({"answer": why})
    _within_limit("answer", words)
    if release_notes and outcome != Outcome.DONE:
        raise ValidationError({"release_notes": "Notes are released only with a “done” answer."})
    with transaction.atomic():
        request = (
            RecordRequest.objects.select_for_update(no_key=True)
            .select_related("patient")
            .get(pk=request.pk)
        )
        if request.patient.clinic_id != provider.clinic_id:
            raise ValidationError("Only a clinician of the patient's clinic may answer.")
        if release_notes and request.kind != Kind.NOTES:
            raise ValidationError({"release_notes": "Only a request for notes releases them."})
        if not request.is_open:
            raise ValidationError(
                f"This request was answered on {timezone.localtime(request.answered_at):%-d %b %Y}."
            )
        request.answered_at, request.answered_by = timezone.now(), by
        request.outcome, request.answer = outcome, words
        request.notes_released = bool(release_notes)
        request.save(
            update_fields=["answered_at", "answered_by", "outcome", "answer", "notes_released"]
        )
        what = f"request about the record answered: {request.get_outcome_display().lower()}"
        if release_notes:
            what += ", notes released in the app"
        audit(by, request.patient, what, CHANGE)
    return request
