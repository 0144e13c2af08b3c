"""Spravato REMS records (reference §3): without them a clinic may not give intranasal esketamine.

A certified healthcare setting, an enrolled patient, and after each esketamine session a
Patient Monitoring Form that staff submit to the REMS within 7 days. The monitoring form keys
on the core `Appointment`, so this app never points up at the dosing phase.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kapclinic.clinic.clinic_rows import ClinicRowQuerySet
from kapclinic.clinic.models import Appointment, Clinic, Patient, User
from kapclinic.clinic.record_fields import optional_link
from kapclinic.clinic.records import ImmutableModel

# Spravato REMS: the Patient Monitoring Form is due within 7 days of each treatment session.
SUBMIT_WITHIN_DAYS = 7


class RemsRecordError(Exception):
    """A REMS record was refused (plain words for the person at the screen)."""


class CertificationQuerySet(ClinicRowQuerySet):
    def in_force(self, clinic_id, on):
        """The certification that covered `on`: certified by then and not yet ended."""
        return (
            self.filter(clinic_id=clinic_id, certified_on__lte=on)
            .filter(Q(active=True) | Q(ended_on__gt=on))
            .order_by("-certified_on", "-pk")
        )


class Certification(models.Model):
    """The clinic's Spravato REMS healthcare-setting certification (entered by a clinic admin)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rems_certifications")
    number = models.CharField("certification number", max_length=60)
    authorised_representative = models.CharField(
        max_length=200, help_text="The person who certified the setting with the REMS."
    )
    certified_on = models.DateField()
    active = models.BooleanField(
        default=True, help_text="Untick, with the end date, when the certification lapses."
    )
    ended_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["clinic", "-certified_on"]
        verbose_name = "REMS healthcare-setting certification"
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="rems_certification_has_number"),
            models.CheckConstraint(
                condition=~Q(authorised_representative=""),
                name="rems_certification_has_representative",
            ),
            models.CheckConstraint(
                condition=Q(active=True, ended_on__isnull=True)
                | Q(active=False, ended_on__isnull=False),
                name="rems_certification_ended_when_inactive",
            ),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=Q(active=True),
                name="rems_one_active_certification_per_clinic",
            ),
        ]

    def __str__(self):
        return f"REMS certification {self.number} ({self.clinic})"

    def clean(self):
        if not self.active and self.ended_on is None:
            raise ValidationError({"ended_on": "Give the date the certification ended."})
        if self.active and self.ended_on is not None:
            raise ValidationError({"ended_on": "An active certification has no end date."})
        if self.ended_on and self.certified_on and self.ended_on < self.certified_on:
            raise ValidationError({"ended_on": "The end date cannot be before certification."})


class WrittenOnce(ImmutableModel):
    """Rows that are signed once: a correction is a new record, never an edit."""

    refusal = RemsRecordError

    class Meta:
        abstract = True


class EnrolmentQuerySet(ClinicRowQuerySet):
    def in_force(self, patient_id, on):
        return self.filter(patient_id=patient_id, enrolled_on__lte=on)


class Enrolment(WrittenOnce):
    """The patient's Spravato REMS enrolment, signed by the patient and by a prescriber.

    The patient signs the REMS enrolment form (paper or the REMS portal): staff record the
    day. The prescriber who records it here signs it, by name and time.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="rems_enrolment")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    enrolment_id = models.CharField("REMS enrolment ID", max_length=60)
    enrolled_on = models.DateField()
    patient_signed_on = models.DateField("patient signed on")
    prescriber = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", help_text="The prescriber who signed."
    )
    prescriber_signed_at = models.DateTimeField(default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_on"]
        verbose_name = "REMS patient enrolment"
        constraints = [
            models.CheckConstraint(
                condition=~Q(enrolment_id=""), name="rems_enrolment_has_enrolment_id"
            ),
            models.CheckConstraint(
                condition=Q(patient_signed_on__lte=models.F("enrolled_on")),
                name="rems_enrolment_patient_signed_by_enrolment",
            ),
        ]

    def __str__(self):
        return f"REMS enrolment {self.enrolment_id} of {self.patient}"


class MonitoringFormQuerySet(ClinicRowQuerySet):
    def waiting(self):
        return self.filter(submitted_on__isnull=True)

    def overdue(self, today):
        """Not marked submitted within 7 days of the session."""
        cutoff = today - datetime.timedelta(days=SUBMIT_WITHIN_DAYS)
        return self.waiting().filter(session_on__lt=cutoff)


class MonitoringForm(models.Model):
    """The Patient Monitoring Form of one esketamine session.

    `fields` is generated from the session record (at discharge, again at signing) and frozen
    once staff record the day it was submitted to the REMS.
    """

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="rems_monitoring_form"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    session_on = models.DateField(help_text="The session's day in the clinic's time zone.")
    fields = models.JSONField(editable=False, help_text="Generated from the session record.")
    generated_at = models.DateTimeField(default=timezone.now)
    submitted_on = models.DateField(null=True, blank=True)
    submitted_recorded_by = optional_link(User, related_name="+")
    submitted_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = MonitoringFormQuerySet.as_manager()

    class Meta:
        ordering = ["-session_on", "-pk"]
        verbose_name = "REMS patient monitoring form"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    submitted_on__isnull=True,
                    submitted_recorded_by__isnull=True,
                    submitted_recorded_at__isnull=True,
                )
                | Q(
                    submitted_on__isnull=False,
                    submitted_recorded_by__isnull=False,
                    submitted_recorded_at__isnull=False,
                ),
                name="rems_form_submission_recorded_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(submitted_on__isnull=True)
                | Q(submitted_on__gte=models.F("session_on")),
                name="rems_form_submitted_after_session",
            ),
        ]

    def __str__(self):
        return f"Patient Monitoring Form of {self.patient}, {self.session_on:%d %b %Y}"

    @property
    def due_on(self):
        return self.session_on + datetime.timedelta(days=SUBMIT_WITHIN_DAYS)

    def is_overdue(self, today):
        return self.submitted_on is None and today > self.due_on
