"""Asking for a password reset while the mail server refuses or never answers.

allauth writes the reset email in the request (its link is drawn there and lives only in the
email). With a real local socket that refuses (554) or accepts and stays silent, the page must
answer promptly with a plain "could not send it, try again" and no error page, the same for an
address with an account and one without (so the answer reveals nothing), and a later request
once mail works must deliver a working link.
"""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from tests.intake.test_invitation_mail_outage import (  # noqa: F401
    Refusing,
    Silent,
    mail_server,
    smtp,
)

pytestmark = pytest.mark.django_db
URL = reverse("account_reset_password")
NOT_SENT = "could not send the email just now"
LINK = re.compile(r"http://testserver(/accounts/password/reset/key/\S+)")


def page_words(response):
    """The page without its per-request tokens (CSRF, CSP nonce)."""
    return re.sub(r'(content|value|nonce)="[^"]*"', "", response.content.decode())


def ask_reset(client, email):
    client.get(URL)  # the form drawn first: the timing is the send's
    started = time.monotonic()
    response = client.post(URL, {"email": email}, follow=True)
    return response, time.monotonic() - started


@pytest.mark.parametrize("handler", [Refusing, Silent], ids=["refusing", "silent"])
def test_a_reset_asked_while_mail_is_down_answers_plainly_and_works_once_mail_returns(
    world,
    client,
    mail_server,  # noqa: F811
    handler,
    settings,
):
    settings.KAP_WEB_EMAIL_TIMEOUT_SECONDS = 1
    user = world.one.patients[0].user
    with smtp(mail_server(handler)):
        answers = [ask_reset(client, email) for email in (user.email, "nobody@example.com")]
    for response, took in answers:
        print(f"\npassword reset with mail {handler.__name__.lower()}: {took:.3f} s")
        assert response.status_code == 200 and took < 2.5, took
        page = response.content.decode()
        assert NOT_SENT in page and "Nothing was sent" in page and "We have sent" not in page
    known, unknown = (page_words(r) for r, _ in answers)
    assert known == unknown.replace("nobody@example.com", user.email)  # reveals nothing
    assert not mail.outbox

    # Mail works again: asking again sends a working link.
    response, _ = ask_reset(client, user.email)
    assert NOT_SENT not in response.content.decode()
    assert "We have sent you an email" in response.content.decode()
    [message] = mail.outbox
    page = client.get(LINK.search(message.body).group(1), follow=True)
    assert page.status_code == 200 and "password1" in page.content.decode()
