from django.conf import settings

from .access import patient_for, provider_for
from .redis_outage import REDIS


def kap(request):
    """What every page needs: who the user is to the clinic, and the demo banner."""
    user = getattr(request, "user", None)
    provider = provider_for(user)
    return {
        "current_provider": provider,
        # Staff are told when reminders and alerts wait for Redis (kapclinic/clinic/queue.py).
        "background_work_delayed": REDIS.is_down
        and (provider is not None or getattr(user, "is_superuser", False)),
        "current_patient": patient_for(user) if user and not provider else None,
        "mfa_enforcement_off": not settings.KAP_REQUIRE_STAFF_MFA,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
