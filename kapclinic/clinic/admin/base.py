"""The bases every admin of the project builds on: one clinic's rows, read-only records."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from kapclinic.audit.admin_trail import AuditedAdminMixin
from kapclinic.audit.models import AccessEvent

from ..access import provider_for
from ..limit_words import word_limits
from ..models import Clinic, Patient, Provider, Resource, TreatmentCourse, User


def admin_clinic_id(request):
    """The clinic a non-superuser admin is limited to (None for a superuser)."""
    if request.user.is_superuser:
        return None
    provider = provider_for(request.user)
    return provider.clinic_id if provider else -1


class ReadOnlyAdminMixin:
    """Records the admin may read but never add, change or delete (clinical and audit rows)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Limit rows, and the clinics offered in forms, to the admin's own clinic.

    Views and changes of a patient's records are written to the audit trail (the mixin).
    """

    clinic_lookup = "clinic_id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        clinic_id = admin_clinic_id(request)
        return qs if clinic_id is None else qs.filter(**{self.clinic_lookup: clinic_id})

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """A value the model refuses, e.g. a protocol limit above its ceiling, in words."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            word_limits(formfield, db_field.name, db_field.validators)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        clinic_id = admin_clinic_id(request)
        if clinic_id is not None:
            model = db_field.related_model
            if model is Clinic:
                kwargs["queryset"] = Clinic.objects.filter(pk=clinic_id)
            elif model in (Patient, Provider, Resource):
                kwargs["queryset"] = model.objects.filter(clinic_id=clinic_id)
            elif model is TreatmentCourse:
                kwargs["queryset"] = TreatmentCourse.objects.filter(clinic_id=clinic_id)
            elif model is User:
                kwargs["queryset"] = User.objects.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        clinic_id = admin_clinic_id(request)
        if clinic_id is not None and db_field.related_model is Provider:
            kwargs["queryset"] = Provider.objects.filter(clinic_id=clinic_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ClinicHistoryAdmin(ClinicScopedAdmin, SimpleHistoryAdmin):
    """The admin's History page: who changed what, before and after, for own-clinic rows only.

    django-simple-history finds a version by primary key alone (and falls back to the history
    of a row it cannot see), so both history pages first check the row is in this admin's
    clinic. Versions are for reading: reverting would bypass the services' clinical rules.
    """

    def _check_in_clinic(self, request, object_id):
        if admin_clinic_id(request) is None:
            return  # a superuser may also read the history of a row since deleted
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def _audit_history_read(self, request, object_id, verb):
        """Past versions show the record as it was: reading them is a view of the patient's
        record, on their "Who viewed my record" page like the change page."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            self.audit(request, obj, AccessEvent.Action.VIEW, verb)

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_clinic(request, object_id)
        self._audit_history_read(request, object_id, "viewed the history of")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("Past versions are read-only.")
        self._check_in_clinic(request, object_id)
        self._audit_history_read(request, object_id, "viewed a past version of")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyClinicalAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """A phase's clinical record in the admin: its own clinic's rows, read, never written.

    Records change only through their services (a new version, an addendum), never here.
    """

    clinic_lookup = "course__clinic_id"


class ReadOnlyInline(admin.TabularInline):
    """A record's rows shown under it, read-only (a dose under its session, an addendum)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
