"""Changes made in the Django admin land in the audit trail against the patient they touch.

Django's LogEntry already records who changed which object; it does not say whose record that
was, cannot be filtered by patient, and is not append-only. Every admin of a clinical model
mixes this in (kapclinic.clinic.admin.ClinicScopedAdmin and the user admin).
"""

from django.contrib.admin.utils import unquote

from .models import AccessEvent
from .trail import patient_id_of


def changed_fields(message):
    """The field names in an admin change message (a list of dicts), for the audit row."""
    fields = []
    for part in message if isinstance(message, list) else []:
        for details in part.values():
            fields += details.get("fields", [])
    return f" ({', '.join(str(f) for f in fields)})" if fields else ""


class AuditedAdminMixin:
    """Write an audit row, with the patient, for each admin view, addition, change or deletion."""

    def audit(self, request, obj, action, verb, detail=""):
        patient_id = patient_id_of(obj)
        if patient_id is None:
            return
        AccessEvent.record(
            actor=request.user,
            action=action,
            what=f"admin: {verb} {obj._meta.verbose_name} #{obj.pk}{detail}",
            patient_id=patient_id,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self.audit(request, obj, AccessEvent.Action.VIEW, "viewed")
        return super().change_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        self.audit(request, obj, AccessEvent.Action.CREATE, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self.audit(request, obj, AccessEvent.Action.CHANGE, "changed", changed_fields(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self.audit(request, obj, AccessEvent.Action.CHANGE, "deleted")
        return super().log_deletions(request, queryset)
