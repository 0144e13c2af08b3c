"""The sign-in pages speak for the clinic: no sign-up path anywhere, password reset kept."""

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_login_page_is_the_clinics_and_offers_no_sign_up(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "Sign in to KAP Clinic" in body
    assert "Sign In" not in body  # the library's stock wording
    assert reverse("account_signup") not in body
    assert "sign up" not in body.lower()
    assert reverse("account_reset_password") in body


def test_the_sign_up_address_explains_that_accounts_are_by_invitation(client):
    response = client.get(reverse("account_signup"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Accounts are by invitation" in body
    assert "Sign Up Closed" not in body
    assert reverse("account_login") in body


def test_a_reset_for_an_unknown_address_sends_no_sign_up_link(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert reverse("account_signup") not in body
    assert "sign up" not in body.lower()
    assert "invitation" in body


def test_password_reset_page_is_still_there(client):
    assert client.get(reverse("account_reset_password")).status_code == 200
