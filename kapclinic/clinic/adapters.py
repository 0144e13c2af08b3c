"""allauth adapter: no public sign-up (patients are invited, staff are created by admins)."""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import get_connection

from .redis_outage import REDIS

SIGN_IN_PAUSED = (
    "Signing in is paused for a moment: the service that guards sign-in attempts is not "
    "answering. Please try again in a minute or two; colleagues already signed in can carry on."
)
MAIL_NOT_SENT = (
    "We could not send the email just now: the mail server is not answering. "
    "Please try again in a few minutes."
)

log = logging.getLogger("kapclinic.outage")


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def validation_error(self, code, *args):
        # While Redis is down attempts cannot be counted, so allauth refuses them as "too many"
        # (kapclinic/clinic/redis_outage.py): say what is really happening.
        if code == "too_many_login_attempts" and REDIS.is_down:
            return ValidationError(SIGN_IN_PAUSED, code=code)
        return super().validation_error(code, *args)

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth writes its emails in the request (a reset link lives only in the email): a
        silent mail server may hold the page KAP_WEB_EMAIL_TIMEOUT_SECONDS at most."""
        message = super().render_mail(template_prefix, email, context, headers)
        message.connection = get_connection(timeout=settings.KAP_WEB_EMAIL_TIMEOUT_SECONDS)
        return message

    def send_mail(self, template_prefix, email, context_):
        """A mail server that refuses or stays silent is said plainly, never an error page;
        the same for an address with an account as without (both send), so nothing leaks."""
        try:
            super().send_mail(template_prefix, email, context_)
        except OSError as error:  # smtplib's errors and socket timeouts alike
            log.error("Account email %s not sent: %r", template_prefix, error)
            messages.error(context.request, MAIL_NOT_SENT)
