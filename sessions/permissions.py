"""Who may do what in a dosing session: one check, one plain refusal."""

from kapclinic.clinic.access import patient_for, provider_for
from kapclinic.clinic.models import Role
from kapclinic.clinic.models.people import CLINICIAN_ROLES

from .models import DosingError

PRESCRIBER = frozenset({Role.PRESCRIBER})
# Doses are given by a prescriber or a nurse; therapists support, they do not administer.
DOSING_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE})
CLINICIANS = CLINICIAN_ROLES


def require_staff(user, course, roles, doing):
    """The user's Provider if they hold one of `roles` at the course's clinic; else DosingError."""
    provider = provider_for(user)
    if provider is not None and provider.clinic_id == course.clinic_id and provider.role in roles:
        return provider
    who = " or ".join(sorted(Role(role).label.lower() for role in roles))
    raise DosingError(f"Only a {who} of this clinic may {doing}.")


def require_patient_or_staff(user, course, doing):
    """The patient themself, or any member of the clinic's staff (e.g. reception)."""
    patient = patient_for(user)
    if patient is not None and patient.pk == course.patient_id:
        return
    provider = provider_for(user)
    if provider is None or provider.clinic_id != course.clinic_id:
        raise DosingError(f"Only the patient or the clinic's staff may {doing}.")
