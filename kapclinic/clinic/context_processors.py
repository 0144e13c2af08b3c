from django.conf import settings

from .access import patient_for, provider_for


def kap(request):
    """What every page needs: who the user is to the clinic, and the demo banner."""
    user = getattr(request, "user", None)
    return {
        "current_provider": provider_for(user),
        "current_patient": patient_for(user) if user and not provider_for(user) else None,
        "mfa_enforcement_off": not settings.KAP_REQUIRE_STAFF_MFA,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
