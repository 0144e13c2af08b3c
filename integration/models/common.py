"""What every phase-3 record shares: the refusal it raises and how rows are scoped."""

from kapclinic.clinic.models import JourneyError


class IntegrationError(JourneyError):
    """An integration workflow step was refused; the message is shown to the user as is."""
