"""Inviting a new member of staff to choose their own password: who may, whom, and the link.

A clinic admin adds a login without a password, then the person's role (Provider); saving
the role invites them, and "Send sign-in invitation again" on the Provider list sends a new
link. The email is a reminder row the worker sends (the reminders app hears of each new
`StaffInvitation`), so a mail outage never fails or slows the admin's page. The link is
Django's password-reset token with its own salt and lifetime: it dies once a password is
set or the person signs in (both are in the token's hash), and when a newer invitation goes.
"""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from kapclinic.audit.trail import CREATE, audit

from .access import provider_for
from .models import Patient, Role, StaffInvitation

VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


class InvitationRefused(Exception):
    """This login may not be sent an invitation; the message says why, in words."""


def lifetime():
    return datetime.timedelta(days=settings.KAP_STAFF_INVITATION_DAYS)


def _naive_utc(moment):
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


class StaffInvitationTokens(PasswordResetTokenGenerator):
    """Tokens no "Forgot password" link can stand in for (their own salt), that tell an
    expired link from a forged, used or replaced one, and that name the latest invitation."""

    key_salt = "kapclinic.clinic.staff_invitations"

    def _now(self):
        return _naive_utc(timezone.now())

    def _make_hash_value(self, user, timestamp):
        latest = (
            StaffInvitation.objects.filter(provider__user_id=user.pk)
            .values_list("pk", flat=True)
            .first()
        )
        return f"{super()._make_hash_value(user, timestamp)}|{latest}"

    def make_token_at(self, user, moment):
        return self._make_token_with_timestamp(
            user, self._num_seconds(_naive_utc(moment)), self.secret
        )

    def state(self, user, token):
        """VALID, EXPIRED (authentic but too old) or INVALID (forged, used or replaced)."""
        try:
            stamp, _ = (token or "").split("-")
            sent = base36_to_int(stamp)
        except ValueError:
            return INVALID
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, sent, secret), token):
                break
        else:
            return INVALID
        too_old = self._num_seconds(self._now()) - sent > lifetime().total_seconds()
        return EXPIRED if too_old else VALID

    def check_token(self, user, token):
        return user is not None and self.state(user, token) == VALID


TOKENS = StaffInvitationTokens()


def link_parts(user, now=None):
    """(uidb64, token, expires at) of a link drawn at `now`: the worker draws it as it writes
    the email, so it exists only there."""
    now = now or timezone.now()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return uid, TOKENS.make_token_at(user, now), now + lifetime()


def why_not_invite(provider):
    """Why this member of staff cannot be sent an invitation, in words, or None."""
    user = provider.user
    if Patient.objects.filter(user_id=user.pk).exists():
        return "This login belongs to a patient: patients are invited from their course."
    if not provider.active or not user.is_active:
        return f"{user.email} is not active: reactivate them first."
    if user.last_login is not None:
        return (
            f"{user.email} has already signed in: they change their own password "
            "(“Forgot your password?” on the sign-in page)."
        )
    if user.has_usable_password():
        return f"{user.email} already has a password: they sign in with it."
    return None


def may_invite(by, provider):
    """The operator, or an active clinic admin of the person's own clinic."""
    if by.is_superuser:
        return True
    own = provider_for(by)
    return own is not None and own.role == Role.CLINIC_ADMIN and own.clinic_id == provider.clinic_id


def invite_staff(provider, *, by):
    """Record a new invitation (its email goes out from the worker) and audit who sent it."""
    if not may_invite(by, provider):
        raise PermissionDenied("Only a clinic admin of their own clinic may invite them.")
    if reason := why_not_invite(provider):
        raise InvitationRefused(reason)
    with transaction.atomic():
        invitation = StaffInvitation.objects.create(provider=provider, invited_by=by)
        audit(by, None, f"sent a sign-in invitation to {provider.user.email}", CREATE)
    return invitation


def invite_if_new(provider, *, by):
    """When a role is saved: invite a login that can be and never was; else do nothing."""
    if provider.invitations.exists() or why_not_invite(provider) or not may_invite(by, provider):
        return None
    return invite_staff(provider, by=by)
