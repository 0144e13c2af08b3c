"""allauth adapter: no public sign-up (patients are invited, staff are created by admins)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError

from .redis_outage import REDIS

SIGN_IN_PAUSED = (
    "Signing in is paused for a moment: the service that guards sign-in attempts is not "
    "answering. Please try again in a minute or two; colleagues already signed in can carry on."
)


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def validation_error(self, code, *args):
        # While Redis is down attempts cannot be counted, so allauth refuses them as "too many"
        # (kapclinic/clinic/redis_outage.py): say what is really happening.
        if code == "too_many_login_attempts" and REDIS.is_down:
            return ValidationError(SIGN_IN_PAUSED, code=code)
        return super().validation_error(code, *args)
