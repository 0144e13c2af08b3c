"""The audit trail: who looked at or changed which patient's record, when and from where.

Rows are append-only: the ORM refuses to change or delete them, and on PostgreSQL a trigger
refuses UPDATE, DELETE and TRUNCATE (migration 0004). Each row is chained to the one before it
by a hash (chain.py), so an edit made by someone who bypasses both is found by
`manage.py verify_audit`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import chain
from .context import current_origin
from .evidence import ChainedEvidence, EvidenceQuerySet


class AppendOnlyError(Exception):
    """Audit rows are evidence: they are never edited or removed."""


class AccessEventQuerySet(EvidenceQuerySet):
    def for_clinic(self, clinic_id):
        return self.filter(patient__clinic_id=clinic_id)

    def staff_access_to(self, patient):
        """What "Who viewed my record" shows a patient: staff who viewed, changed or copied it.

        The patient's own actions, anonymous and server rows, and refused attempts (which
        showed nothing) are left out; the clinic admin reads those in the full trail.
        """
        events = self.filter(patient=patient, actor__isnull=False).exclude(
            action=AccessEvent.Action.DENIED
        )
        if patient.user_id is not None:
            events = events.exclude(actor_id=patient.user_id)
        return events.select_related("actor__provider__clinic").order_by("-at", "-pk")


class AccessEvent(ChainedEvidence):
    hash_chain = chain.TRAIL
    refusal = AppendOnlyError
    cannot_change = "Audit events cannot be changed."
    cannot_delete = "Audit events cannot be deleted."
    one_at_a_time = "Audit events are chained one at a time: use AccessEvent.record()."

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
    # The hash chain (chain.py): the hash of the event before this one, and of this one.
    previous_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["actor", "-at"])]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.what}"
        )

    @classmethod
    def record(cls, *, actor, action, what, patient_id=None, request=None, actor_label=None):
        """Write one audit row; the request's origin comes from the audit middleware.

        `actor_label` names an actor that is not a login, e.g. a command run on the server.
        """
        row = cls.unsaved(actor, action, what, patient_id, request, actor_label)
        row.save(force_insert=True)
        return row

    @classmethod
    def record_for_patients(cls, *, actor, action, what, patient_ids, request=None):
        """A read that names several patients (a register, a list): one row per patient, in
        one insert, so each finds it on "Who viewed my record"; one row without a patient
        when it named none. Returns the rows."""
        patient_ids = sorted(set(patient_ids))
        if not patient_ids:
            return [cls.record(actor=actor, action=action, what=what, request=request)]
        return cls.append_all([cls.unsaved(actor, action, what, pk, request) for pk in patient_ids])

    @classmethod
    def unsaved(cls, actor, action, what, patient_id=None, request=None, actor_label=None):
        origin = current_origin()
        if request is not None:
            from .context import RequestOrigin, client_ip

            origin = RequestOrigin(
                ip=client_ip(request),
                path=request.path[:300],
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
            )
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        return cls(
            actor=actor if authenticated else None,
            actor_label=(actor_label or (actor.email if authenticated else "anonymous"))[:255],
            patient_id=patient_id,
            action=action,
            what=what[:255],
            path=origin.path if origin else "",
            ip_address=origin.ip if origin else None,
            user_agent=origin.user_agent if origin else "",
        )
