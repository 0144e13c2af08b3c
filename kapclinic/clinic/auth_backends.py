"""Load the signed-in user with what every page asks of them, in one query.

Each request needed the login, then its Provider (with clinic) or Patient (with clinic), then
whether a TOTP authenticator is enrolled: three round trips before the view ran. The backends
below fetch all of it together and prime the per-request caches `provider_for`, `patient_for`
and `has_mfa` read (kapclinic/clinic/access.py). Sign-in itself is unchanged.
"""

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from . import principal


class _LoadsClinicProfile:
    def get_user(self, user_id):
        # From the principal kept in Redis while it is current (principal.py), else the query.
        return principal.load(user_id, self._read_user)

    def _read_user(self, user_id):
        totp = Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
        users = get_user_model()._default_manager
        try:
            user = (
                users.select_related("provider__clinic", "patient__clinic")
                .annotate(kap_has_totp=Exists(totp))
                .get(pk=user_id)
            )
        except users.model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        provider = getattr(user, "provider", None)  # None when the reverse row is missing
        user._kap_provider = provider if provider is not None and provider.active else None
        user._kap_patient = getattr(user, "patient", None)
        user._kap_has_mfa = user.kap_has_totp
        return user


class ClinicModelBackend(_LoadsClinicProfile, ModelBackend):
    pass


class ClinicAuthenticationBackend(_LoadsClinicProfile, AuthenticationBackend):
    pass


def keep_at_sign_in(sender, user, **kwargs):
    """Read the principal once at sign-in (after Django saved the last login), so the first
    page after it builds the login without SQL like every later one."""
    if principal.enabled():
        principal.load(user.pk, ClinicModelBackend()._read_user)
