"""REMS rules every writer goes through: who may receive esketamine, enrolment, the forms.

Booking (`sessions/booking.py`) and the pre-dose gate (`sessions/gate.py`) ask
`esketamine_refusal`; neither can be overridden (Spravato REMS: only a certified setting may
dispense to an enrolled patient).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Clinic, Product, Role

from .models import Certification, Enrolment, MonitoringForm, RemsRecordError

ESKETAMINE = Product.ESKETAMINE
# Who records that a form went to the REMS: the clinicians at the chair and the admins.
SUBMITTING_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE, Role.CLINIC_ADMIN})


def certification_for(clinic, on=None):
    """The clinic's certification covering `on` (the clinic's today), or None."""
    return Certification.objects.in_force(clinic.pk, on or clinic.today()).first()


def enrolment_for(patient_id, on):
    """The patient's REMS enrolment in force on `on`, or None. No default: the day is the
    clinic's (Clinic.today()), which the caller knows and the server's date is not."""
    return Enrolment.objects.in_force(patient_id, on).first()


def esketamine_refusal(clinic, patient_id, on=None):
    """Why this patient cannot receive esketamine at this clinic on `on`, in words, or None."""
    on = on or clinic.today()
    problems = []
    if certification_for(clinic, on) is None:
        problems.append(
            f"{clinic.name} has no Spravato REMS healthcare-setting certification in force "
            f"on {on:%d %b %Y}: a clinic admin records it before esketamine can be given"
        )
    if enrolment_for(patient_id, on) is None:
        problems.append(
            "the patient has no Spravato REMS enrolment: a prescriber records it on the REMS "
            "page (enrolment ID, the day the patient signed)"
        )
    if not problems:
        return None
    return "Intranasal esketamine is REMS-restricted: " + "; and ".join(problems) + "."


def booking_refusal(course, plan):
    """Why an esketamine session cannot be booked under `plan` (the plan in force), or None."""
    if plan is None or plan.product != ESKETAMINE:
        return None
    return esketamine_refusal(course.clinic, course.patient_id)


def record_enrolment(patient, by, *, enrolment_id, enrolled_on, patient_signed_on):
    """A prescriber of the patient's clinic records and signs the patient's REMS enrolment."""
    provider = provider_for(by)
    if provider is None or provider.clinic_id != patient.clinic_id:
        raise RemsRecordError("Only staff of the patient's clinic may record a REMS enrolment.")
    if provider.role != Role.PRESCRIBER:
        raise RemsRecordError("A prescriber signs the REMS enrolment: ask one to record it.")
    enrolment_id = (enrolment_id or "").strip()
    if not enrolment_id:
        raise RemsRecordError("Give the enrolment ID the REMS issued.")
    today = patient.clinic.today()
    if enrolled_on > today or patient_signed_on > today:
        raise RemsRecordError("The enrolment and signature dates cannot be in the future.")
    if patient_signed_on > enrolled_on:
        raise RemsRecordError("The patient signs the enrolment form before enrolment.")
    enrolment = Enrolment(
        patient=patient,
        clinic_id=patient.clinic_id,
        enrolment_id=enrolment_id,
        enrolled_on=enrolled_on,
        patient_signed_on=patient_signed_on,
        prescriber=by,
    )
    try:
        with transaction.atomic():
            enrolment.save()
            audit(by, patient, f"REMS enrolment {enrolment.pk} recorded and signed")
    except IntegrityError as error:
        if Enrolment.objects.filter(patient=patient).exists():
            raise RemsRecordError("This patient's REMS enrolment is already recorded.") from error
        raise
    return enrolment


def generate_monitoring_form(appointment, *, session_on, fields):
    """Write the esketamine session's Patient Monitoring Form from its record (`fields`).

    Called at discharge and again at signing (so late entries are in); once staff have
    recorded that it was submitted, it stays as submitted (the row lock keeps a submission
    and a refresh from crossing).
    """
    with transaction.atomic():
        form = (
            MonitoringForm.objects.select_for_update(no_key=True, of=("self",))
            .filter(appointment=appointment)
            .first()
        )
        if form is not None and form.submitted_on is not None:
            return form
        if form is None:
            form = MonitoringForm(
                appointment=appointment,
                clinic_id=appointment.clinic_id,
                patient_id=appointment.course.patient_id,
            )
        form.session_on, form.fields, form.generated_at = session_on, fields, timezone.now()
        form.save()
    return form


def mark_submitted(form, by, submitted_on):
    """Staff record the day the form was submitted to the REMS; the form is then frozen."""
    provider = provider_for(by)
    if provider is None or provider.clinic_id != form.clinic_id:
        raise RemsRecordError("Only staff of the patient's clinic may record this.")
    if provider.role not in SUBMITTING_ROLES:
        raise RemsRecordError("A prescriber, nurse or clinic admin records the submission.")
    if submitted_on is None:
        raise RemsRecordError("Give the day the form was submitted.")
    today = form.clinic.today()
    if submitted_on > today:
        raise RemsRecordError("The submission date cannot be in the future.")
    if submitted_on < form.session_on:
        raise RemsRecordError("The form cannot have been submitted before the session.")
    with transaction.atomic():
        locked = MonitoringForm.objects.select_for_update(no_key=True, of=("self",)).get(pk=form.pk)
        if locked.submitted_on is not None:
            raise RemsRecordError(
                f"This form was already recorded as submitted on {locked.submitted_on:%d %b %Y}."
            )
        now = timezone.now()
        MonitoringForm.objects.filter(pk=form.pk).update(
            submitted_on=submitted_on, submitted_recorded_by=by, submitted_recorded_at=now
        )
        form.submitted_on, form.submitted_recorded_by = submitted_on, by
        form.submitted_recorded_at = now
        what = f"REMS monitoring form {form.pk}: submitted on {submitted_on:%d %b %Y}"
        audit(by, form, what, CHANGE)
    return form


def overdue_count(clinic_id, now):
    """For the daily digest: forms not marked submitted within 7 days of their session."""
    clinic = Clinic.objects.only("time_zone").get(pk=clinic_id)
    today = clinic.today(now)
    return MonitoringForm.objects.filter(clinic_id=clinic_id).overdue(today).count()
