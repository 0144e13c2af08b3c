"""Who is this user to the clinic? One answer, cached on the request's user object; and the
two scoped querysets every record reads through (`PatientRecordQuerySet`, `ClinicStaffQuerySet`)."""

from django.conf import settings
from django.db import models

from .statements import compiled

_UNSET = object()


def provider_for(user):
    """The user's active Provider profile, or None (patients, anonymous, deactivated staff)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_kap_provider", _UNSET)
    if cached is not _UNSET:
        return cached
    from kapclinic.clinic.models import Provider

    provider = (
        Provider.objects.select_related("clinic").filter(user_id=user.pk, active=True).first()
        if user.is_active
        else None
    )
    if provider is not None:
        provider.user = user  # the same login: spare a query
    user._kap_provider = provider
    return provider


def patient_for(user):
    """The Patient record of a patient login, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_kap_patient", _UNSET)
    if cached is not _UNSET:
        return cached
    from kapclinic.clinic.models import Patient

    patient = Patient.objects.select_related("clinic").filter(user_id=user.pk).first()
    user._kap_patient = patient
    return patient


def patient_scope(user, prefix="", clinic_field=None):
    """A Q that limits rows to the patients this user may see, or None for nothing.

    `prefix` is the lookup path from the queried model to its Patient ("" for Patient
    itself, "patient__" for a course, "course__patient__" for an appointment); `clinic_field`
    names a clinic column on the model itself, which saves a join. Staff see their own
    clinic's patients; a patient sees only themself.
    """
    from django.db.models import Q

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    provider = provider_for(user)
    if provider is not None:
        return staff_scope(provider.clinic_id, prefix, clinic_field)
    return Q(**{f"{prefix}user_id": user.pk})


def staff_scope(clinic_id, prefix="", clinic_field=None):
    """What the staff of clinic `clinic_id` see (`patient_scope` of one of them): its patients."""
    from django.db.models import Q

    return Q(**{clinic_field or f"{prefix}clinic_id": clinic_id})


class PatientRecordQuerySet(models.QuerySet):
    """Rows of the patients this user may see (`patient_scope`): staff their clinic's, a patient
    their own. `patient_path` leads from the row to its Patient, `clinic_field` to its clinic."""

    patient_path = "course__patient__"
    clinic_field = "course__clinic_id"

    def visible_to(self, user):
        scope = patient_scope(user, self.patient_path, clinic_field=self.clinic_field)
        return self.none() if scope is None else self.filter(scope)

    def seen_by_staff_of(self, clinic_id):
        """`visible_to` a member of staff of this clinic (not a superuser), by the clinic's id
        alone: for statements built once per process (clinic/statements.py)."""
        return self.filter(staff_scope(clinic_id, self.patient_path, self.clinic_field))


class ClinicStaffQuerySet(models.QuerySet):
    """Rows that only the staff of their clinic see (a superuser: every clinic's), never a
    patient's login. `clinic_field` is the lookup from the row to its clinic's id."""

    clinic_field = "course__clinic_id"

    def visible_to(self, user):
        if user.is_superuser:
            return self
        provider = provider_for(user)
        if provider is None:
            return self.none()
        return self.filter(**{self.clinic_field: provider.clinic_id})

    def seen_by_staff_of(self, clinic_id):
        """`visible_to` a member of staff of this clinic (not a superuser), by the clinic's id
        alone: for statements built once per process (clinic/statements.py)."""
        return self.filter(**{self.clinic_field: clinic_id})


def is_staff_member(user):
    return user.is_authenticated and (user.is_superuser or provider_for(user) is not None)


def has_mfa(user):
    """True when the user has a TOTP authenticator enrolled with allauth.mfa."""
    cached = getattr(user, "_kap_has_mfa", None)  # read with the login (auth_backends.py)
    if cached is not None:
        return cached
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def mfa_required_for(user):
    return settings.KAP_REQUIRE_STAFF_MFA and is_staff_member(user)


# --- Break-glass -----------------------------------------------------------------------------


def may_request_emergency_access(user):
    """Clinicians (prescribers, therapists, nurses) may ask; patients and admins may not."""
    provider = provider_for(user)
    return provider is not None and provider.is_clinician


def emergency_access_for(user, patient_id):
    """The user's active break-glass access to this patient, or None.

    It opens the patient's chart to read and nothing else: every other page, and every
    write, still goes through `visible_to`, which ignores it.
    """
    if not may_request_emergency_access(user):
        return None
    from kapclinic.clinic.models import EmergencyAccess

    return (
        EmergencyAccess.objects.active()
        .filter(user_id=user.pk, patient_id=patient_id)
        .order_by("-expires_at")
        .first()
    )


def _clinic_patient(clinic_id, patient_id):
    from kapclinic.clinic.models import Patient

    patients = Patient.objects.seen_by_staff_of(clinic_id).select_related("clinic")
    return patients.filter(pk=patient_id).order_by("pk")[:1]


def chart_reader(user, patient_id):
    """(patient, emergency access or None) for the chart page, or (None, None) if refused."""
    from kapclinic.clinic.models import Patient

    patients = Patient.objects.select_related("clinic")
    provider = provider_for(user)
    if provider is not None and not user.is_superuser and isinstance(patient_id, int):
        # A member of staff: their clinic's patient, the statement built once per process.
        found = compiled("chart: patient", [provider.clinic_id, patient_id], _clinic_patient)
        patient = found[0] if found else None
    else:
        patient = patients.visible_to(user).filter(pk=patient_id).first()
    if patient is not None:
        return patient, None
    access = emergency_access_for(user, patient_id)
    if access is None:
        return None, None
    return patients.get(pk=patient_id), access
