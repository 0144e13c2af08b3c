"""Break-glass: time-boxed, read-only access to another clinic's patient in an emergency."""

import datetime

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from ..text_limits import SHORT_REASON, limited
from .people import Patient, User


class EmergencyAccessQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now())


class EmergencyAccess(models.Model):
    """One clinician's emergency access to one patient's chart, with the reason they gave.

    Who may ask and what it opens is decided in kapclinic/clinic/access.py; this row is the
    record that it happened. It expires by itself: access is checked against `expires_at`.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(**limited(SHORT_REASON))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # When the clinic's admins were emailed; the patient's page says so only once it is true.
    clinic_told_at = models.DateTimeField(null=True, blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = "emergency (break-glass) access"
        verbose_name_plural = "emergency (break-glass) accesses"
        indexes = [models.Index(fields=["user", "patient", "-expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="emergency_access_expires_after_granted",
            )
        ]

    def __str__(self):
        return f"{self.user} → patient {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.expires_at > timezone.now()

    @classmethod
    def open(cls, *, user, patient, reason):
        """Grant the window and write the audit row (reason included). The clinic admins' notice
        is a reminder row written with it (kapclinic/reminders/signals.py): a Redis or mail
        outage delays it, never loses it."""
        from kapclinic.audit.trail import audit

        now = timezone.now()
        minutes = settings.KAP_EMERGENCY_ACCESS_MINUTES
        with transaction.atomic():
            access = cls.objects.create(
                user=user,
                patient=patient,
                reason=reason,
                granted_at=now,
                expires_at=now + datetime.timedelta(minutes=minutes),
            )
            audit(user, patient, f"emergency access for {minutes} min; reason: {reason}")
        return access

    def admins_to_tell(self):
        """The patient's clinic admins (active), else the clinic's own address: someone hears."""
        from .people import Provider, Role

        clinic = self.patient.clinic
        admins = Provider.objects.active().filter(clinic=clinic, role=Role.CLINIC_ADMIN)
        addresses = sorted({p.user.email for p in admins.select_related("user") if p.user.email})
        return addresses or ([clinic.email] if clinic.email else [])

    def notice_context(self):
        """What the admins' notice says: who, from which clinic, which patient number, until
        when. No name, no clinical detail and not the reason (it is in the audit trail)."""
        requester = getattr(self.user, "provider", None)
        return {
            "access": self,
            "requester": requester or self.user,
            "requester_clinic": requester.clinic if requester else None,
        }

    @classmethod
    def mark_told(cls, pk, at):
        """The notice went out: the patient's "Who viewed my record" now says the clinic knows."""
        cls.objects.filter(pk=pk, clinic_told_at__isnull=True).update(clinic_told_at=at)
