"""Request-wide safeguards for patient data."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone

from .access import has_mfa, mfa_required_for, patient_for, provider_for

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
