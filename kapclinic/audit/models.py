"""The audit trail: who looked at or changed which patient's record, when and from where.

Rows are append-only: the ORM refuses to change or delete them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .context import current_origin


class AppendOnlyError(Exception):
    """Audit rows are evidence: they are never edited or removed."""


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def for_clinic(self, clinic_id):
        return self.filter(patient__clinic_id=clinic_id)


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        CREATE = "create", "Created"
        EXPORT = "export", "Exported"
        DENIED = "denied", "Access denied"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=255, blank=True)
    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=255)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["actor", "-at"])]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.what}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    @classmethod
    def record(cls, *, actor, action, what, patient_id=None, request=None, actor_label=None):
        """Write one audit row; the request's origin comes from the audit middleware.

        `actor_label` names an actor that is not a login, e.g. a command run on the server.
        """
        origin = current_origin()
        if request is not None:
            from .context import RequestOrigin, client_ip

            origin = RequestOrigin(
                ip=client_ip(request),
                path=request.path[:300],
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
            )
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        return cls.objects.create(
            actor=actor if authenticated else None,
            actor_label=(actor_label or (actor.email if authenticated else "anonymous"))[:255],
            patient_id=patient_id,
            action=action,
            what=what[:255],
            path=origin.path if origin else "",
            ip_address=origin.ip if origin else None,
            user_agent=origin.user_agent if origin else "",
        )
