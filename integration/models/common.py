"""What every phase-3 record shares: the refusal it raises and how rows are scoped."""

from kapclinic.clinic.models import JourneyError, Role
from kapclinic.clinic.models.people import ALL_STAFF, CLINICIAN_ROLES


class IntegrationError(JourneyError):
    """An integration workflow step was refused; the message is shown to the user as is."""


# Who does what in phase 3, checked by kapclinic.clinic.mixins.require_staff.
CLINICIANS = CLINICIAN_ROLES
# Integration sessions are led by a therapist or a prescriber; they write and sign the note.
NOTE_AUTHORS = frozenset({Role.THERAPIST, Role.PRESCRIBER})
ANY_STAFF = ALL_STAFF
