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
        """Grant the window, write the audit row (reason included) and tell the clinic admins."""
        from kapclinic.audit.trail import audit

        from ..queue import enqueue_on_commit
        from ..tasks import notify_emergency_access

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
            enqueue_on_commit(notify_emergency_access, access.pk)
        return access
