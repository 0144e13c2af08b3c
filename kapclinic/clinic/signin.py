"""Sessions end together: signing out, or being deactivated, ends every device's session.

allauth.usersessions keeps one row per signed-in session. allauth records its own sign-ins;
this module also records the others (an accepted invitation signs the patient in through
Django), stamps the sign-in time for the absolute session limit, and ends all of a user's
sessions when they sign out anywhere or their account is deactivated. A password change keeps
the device it was made on signed in and ends every other session.
"""

import time

from allauth.usersessions.models import UserSession

SIGNED_IN_AT = "kap_signed_in_at"


def record_sign_in(sender, request, user, **kwargs):
    """Stamp the sign-in time and record the session (Django's `user_logged_in`)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[SIGNED_IN_AT] = time.time()
    # A test client's force_login has no client address; a real request always does.
    if request.META.get("REMOTE_ADDR"):
        UserSession.objects.create_from_request(request, user=user)


def end_all_sessions(user):
    """End every recorded session of this user, on every device."""
    for user_session in UserSession.objects.filter(user_id=user.pk):
        user_session.end()


def end_other_sessions_on_password_change(sender, request, user, **kwargs):
    """A new password ends every other device's session at once (a lost phone, a stolen
    cookie); the device it was changed on stays signed in (allauth's `password_changed`)."""
    here = request.session.session_key
    for user_session in UserSession.objects.filter(user_id=user.pk).exclude(session_key=here):
        user_session.end()


def end_sessions_on_sign_out(sender, request, user, **kwargs):
    """Signing out on one device signs the user out everywhere (Django's `user_logged_out`)."""
    if user is not None:
        end_all_sessions(user)


def end_sessions_on_deactivation(sender, instance, created, update_fields=None, **kwargs):
    """A deactivated login loses its sessions at once, not at their next request."""
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    end_all_sessions(instance)


def end_sessions_on_staff_deactivation(sender, instance, created, **kwargs):
    """A member of staff marked inactive loses their sessions too."""
    if not created and not instance.active:
        end_all_sessions(instance.user)
