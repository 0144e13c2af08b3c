"""A new member of staff opens their invitation in a real browser, chooses a password, signs
in and is taken to set up their authenticator. Every page is checked with axe-core."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from kapclinic.clinic.staff_invitations import invite_staff
from tests.factories import ProviderFactory
from tests.reminders.conftest import run_scan

from .test_sign_in import submit_password

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-quiet-lighthouse-at-noon-7"


def test_a_new_nurse_sets_a_password_from_the_email_and_reaches_authenticator_set_up(
    live_server, page, world, assert_accessible
):
    nurse = ProviderFactory(clinic=world.one.clinic, role=Role.NURSE, user__password=None)
    invite_staff(nurse, by=world.one.staff[Role.CLINIC_ADMIN].user)
    run_scan(timezone.now())
    (message,) = [m for m in mail.outbox if m.to == [nurse.user.email]]
    link = re.search(r"https?://[^/\s]+(/welcome/\S+/)", message.body).group(1)

    page.goto(f"{live_server.url}{link}")
    expect(page).to_have_url(re.compile(r"/welcome/[^/]+/set-password/$"))  # token left the URL
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome to {world.one.clinic}")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^New password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("Your password is set")).to_be_visible()
    assert_accessible(page)
    submit_password(page, nurse.user.email, NEW_PASSWORD)
    # allauth asks for the password again before MFA set-up, as for all staff.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    assert_accessible(page)
