"""Clinics, staff and patient logins, courses and appointments: each admin's own clinic."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q
from django.utils import timezone

from kapclinic.audit.admin_trail import AuditedAdminMixin

from ..models import Appointment, Clinic, Diagnosis, Patient, Provider, TreatmentCourse, User
from ..staff_invitations import InvitationRefused, invite_if_new, invite_staff
from .base import ClinicHistoryAdmin, ClinicScopedAdmin, ReadOnlyAdminMixin, admin_clinic_id
from .opening_hours import ClosedDayInline, OpeningHoursInline, default_hours_initial


class NewLoginForm(forms.ModelForm):
    """A login without a password: the person chooses their own from their invitation, so
    no admin ever knows it."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def clean_email(self):
        """One login per person: the same address in other capitals is the same inbox."""
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A login with this email address already exists.")
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    add_form = NewLoginForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "description": "A login opens nothing by itself: for a member of staff, save "
                "it, then add them under Providers with their role. Nobody types their "
                "password here: once they are added under Providers, an invitation is emailed "
                "to them to choose their own, then to set up their authenticator app. "
                "Patients get their login by accepting their invitation instead.",
                "fields": ("email", "first_name", "last_name"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    list_select_related = ["provider", "patient"]

    def get_list_display(self, request):
        """A clinic admin sees each login's role; "staff status" and "superuser" are the
        operator's words, and Django's."""
        if request.user.is_superuser:
            return self.list_display
        return ["email", "first_name", "last_name", "role", "is_active", "last_login"]

    def get_fieldsets(self, request, obj=None):
        """A clinic admin sets no password (the sign-in invitation does), so the login's page
        offers none; the operator keeps Django's password field and its reset link."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_list_filter(self, request):
        return self.list_filter if request.user.is_superuser else ["is_active", "groups"]

    @admin.display(description="Role")
    def role(self, user):
        if hasattr(user, "provider"):
            return user.provider.get_role_display()
        if hasattr(user, "patient"):
            return "Patient"
        return "No role yet: add them under Providers"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        clinic_id = admin_clinic_id(request)
        if clinic_id is None:
            return qs
        # A clinic admin manages the logins of their own clinic's staff and patients.
        return qs.filter(is_superuser=False).filter(users_of_clinic(clinic_id))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups"]
        return fields

    def user_change_password(self, request, id, form_url=""):
        """Only the operator sets a password (break-glass). A new member of staff chooses
        their own through the sign-in invitation, and anyone who has signed in changes theirs
        themselves, so no clinic admin ever knows a clinician's password."""
        if request.user.is_superuser:
            return super().user_change_password(request, id, form_url)
        user = self.get_object(request, unquote(id))
        if user is not None and user.last_login:
            raise PermissionDenied(
                "This person has already signed in: they change their own password from "
                "their Security page, or with “Forgot your password?” on the sign-in page."
            )
        raise PermissionDenied(
            "A new member of staff chooses their own password from their sign-in invitation. "
            "If it has expired, use “Send sign-in invitation again” on the Providers list."
        )


def users_of_clinic(clinic_id):
    """Logins of the clinic's staff and patients, plus new ones not yet given a role."""
    return (
        Q(provider__clinic_id=clinic_id)
        | Q(patient__clinic_id=clinic_id)
        | Q(provider__isnull=True, patient__isnull=True)
    )


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_lookup = "pk"
    list_display = ["name", "time_zone", "phone", "email"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline, ClosedDayInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, OpeningHoursInline) and obj.pk is None and request.method == "GET":
            kwargs["initial"] = default_hours_initial()
        return kwargs

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Provider)
class ProviderAdmin(ClinicScopedAdmin):
    list_display = [
        "__str__",
        "role",
        "clinic",
        "licence_number",
        "is_medical_director",
        "active",
        "sign_in",
    ]
    list_filter = ["role", "active", "clinic"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "licence_number"]
    list_select_related = ["user", "clinic"]
    autocomplete_fields = ["user"]
    actions = ["send_sign_in_invitation"]

    # Who an admin is and what they may do is set by a colleague or the operator, never by
    # themselves: else a clinic admin could make themselves a prescriber or director.
    OWN_RIGHTS = ("user", "clinic", "role", "active", "is_medical_director")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.user_id == request.user.pk and not request.user.is_superuser:
            fields += self.OWN_RIGHTS
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(invited_at=Max("invitations__created_at"))

    @admin.display(description="Sign-in", ordering="user__last_login")
    def sign_in(self, provider):
        """Whether they have signed in, or when they were last invited to: an expired
        invitation is sent again from this list."""
        if provider.user.last_login:
            return f"Last signed in {timezone.localdate(provider.user.last_login):%-d %b %Y}"
        if getattr(provider, "invited_at", None):
            return f"Invited {timezone.localdate(provider.invited_at):%-d %b %Y}; not signed in yet"
        return "Not signed in yet"

    def save_model(self, request, obj, form, change):
        """A new login's role saved: they are emailed an invitation to choose a password."""
        super().save_model(request, obj, form, change)
        if invite_if_new(obj, by=request.user):
            messages.info(request, f"A sign-in invitation is on its way to {obj.user.email}.")

    @admin.action(description="Send sign-in invitation again")
    def send_sign_in_invitation(self, request, queryset):
        """A new link for someone whose invitation expired or went astray; the old one dies."""
        for provider in queryset.select_related("user"):
            try:
                invite_staff(provider, by=request.user)
            except (InvitationRefused, PermissionDenied) as refusal:
                messages.warning(request, str(refusal))
            else:
                messages.info(
                    request, f"A new sign-in invitation is on its way to {provider.user.email}."
                )


@admin.register(Patient)
class PatientAdmin(ClinicHistoryAdmin):
    list_display = ["legal_name", "preferred_name", "email", "date_of_birth", "clinic"]
    list_filter = ["clinic", "created_at"]
    search_fields = ["legal_name", "preferred_name", "email", "phone"]
    list_select_related = ["clinic"]
    raw_id_fields = ["user"]


@admin.register(TreatmentCourse)
class TreatmentCourseAdmin(ClinicHistoryAdmin):
    """Courses move only through their journey transitions, so the stage is read-only here."""

    list_display = ["patient", "indication", "state", "state_changed_at", "clinic"]
    list_filter = ["state", "indication", "clinic"]
    search_fields = ["patient__legal_name", "patient__email"]
    list_select_related = ["patient", "clinic"]
    readonly_fields = ["state", "state_changed_at", "closed_reason"]
    filter_horizontal = ["care_team"]
    raw_id_fields = ["patient"]


# What the admin may not write on a dosing session: its booking service checks them (the
# protocol's observation time, REMS, who may supervise) and the admin would pass by it.
DOSING_BOOKED_FIELDS = ("kind", "starts_at", "ends_at", "clinician", "resource")


@admin.register(Appointment)
class AppointmentAdmin(ClinicScopedAdmin):
    """Status and notes. Dosing sessions are booked and moved from the calendar or the
    course's page, through `sessions/booking.py`; an appointment's kind stays what it was
    booked as."""

    clinic_lookup = "course__clinic_id"
    list_display = ["starts_at", "kind", "course", "clinician", "resource", "status"]
    list_filter = ["kind", "status", "starts_at"]
    search_fields = ["course__patient__legal_name", "resource__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["course__patient", "clinician__user", "resource"]
    raw_id_fields = ["course"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return DOSING_BOOKED_FIELDS if obj.kind == Appointment.Kind.DOSING else ("kind",)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [
                (value, label)
                for value, label in Appointment.Kind.choices
                if value != Appointment.Kind.DOSING
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel or mark no-show instead


@admin.register(Diagnosis)
class DiagnosisAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """Read-only: diagnoses are added and marked entered in error on the course's page."""

    clinic_lookup = "course__clinic_id"
    list_display = ["code", "description", "primary", "course", "added_at", "entered_in_error_at"]
    list_select_related = ["course__patient"]
