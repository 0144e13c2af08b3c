"""Request-wide safeguards for patient data."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils import timezone

from .access import has_mfa, mfa_required_for, patient_for, provider_for
from .signin import SIGNED_IN_AT

# Pages a member of staff may open before enrolling an authenticator: sign-in, sign-out,
# password flows and the MFA set-up itself.
MFA_EXEMPT_URL_PREFIXES = ("account_", "mfa_")


class StaffMFAMiddleware:
    """Staff must enrol TOTP before they can open anything else, patient records included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.url_name or "" if match else ""
        if name.startswith(MFA_EXEMPT_URL_PREFIXES) or not mfa_required_for(request.user):
            return None
        if has_mfa(request.user):
            return None
        messages.warning(
            request,
            "Staff accounts need two-factor authentication before opening patient records. "
            "Set up an authenticator app to continue.",
        )
        return redirect("mfa_activate_totp")


class NoStoreMiddleware:
    """Pages seen by a signed-in user may hold patient data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


class ClinicTimeZoneMiddleware:
    """Show every time in the user's clinic's zone: a 13:00 session reads 13:00 to everyone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        person = provider_for(user) or patient_for(user)
        if person is not None:
            timezone.activate(person.clinic.tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionLifetimeMiddleware:
    """However active, a session ends SESSION_ABSOLUTE_HOURS after sign-in (ASVS 3.3.4).

    The idle timeout alone lets a busy shared workstation stay signed in for days. Only this
    session ends: the user's other devices keep theirs until their own limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            now = time.time()
            if signed_in_at is None:  # a session from before this safeguard: start counting
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                request.session.flush()
                request.user = AnonymousUser()
                messages.info(
                    request,
                    f"For your security you are signed out "
                    f"{settings.SESSION_ABSOLUTE_HOURS:g} hours after signing in. "
                    "Please sign in again.",
                )
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
