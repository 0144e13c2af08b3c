"""Who may do what in phase 3: one check each, one plain refusal."""

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Role
from kapclinic.clinic.models.people import CLINICIAN_ROLES

from .models import IntegrationError

CLINICIANS = CLINICIAN_ROLES
# Integration sessions are led by a therapist or a prescriber; they write and sign the note.
NOTE_AUTHORS = frozenset({Role.THERAPIST, Role.PRESCRIBER})
ANY_STAFF = frozenset(Role)


def require_staff(user, course, roles, doing):
    """The user's Provider if they hold one of `roles` at the course's clinic."""
    provider = provider_for(user)
    if provider is not None and provider.clinic_id == course.clinic_id and provider.role in roles:
        return provider
    if roles == ANY_STAFF:
        raise IntegrationError(f"Only the clinic's staff may {doing}.")
    who = " or ".join(sorted(Role(role).label.lower() for role in roles))
    raise IntegrationError(f"Only a {who} of this clinic may {doing}.")


def require_patient(user, course, doing):
    """The patient themself, and nobody else (not even staff) for their own journal."""
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and course.patient.user_id == user.pk
    ):
        return
    raise IntegrationError(f"Only the patient may {doing}.")


def audit(by, course, what, action=AccessEvent.Action.CREATE):
    AccessEvent.record(actor=by, patient_id=course.patient_id, action=action, what=what)
