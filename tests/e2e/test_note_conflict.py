"""Two clinicians edit one integration note draft in two browsers: the second save is an
HTTP 409 conflict page swapped in by htmx, showing both texts, and nothing typed is lost."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from integration.models import IntegrationNote
from kapclinic.clinic.models import Role
from tests.integration.conftest import integration_appointment

from .actions import staff_sign_in
from .conftest import DESKTOP, _new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_second_save_shows_both_texts_and_keeps_the_typing(
    live_server, browser, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    appointment = integration_appointment(side.courses[0])
    url = live_server.url + reverse("integration:note", args=[appointment.pk])
    therapist, prescriber = side.staff[Role.THERAPIST], side.staff[Role.PRESCRIBER]
    context, other = _new_page(browser, viewport=DESKTOP)
    try:
        for tab, provider in ((page, therapist), (other, prescriber)):
            staff_sign_in(tab, live_server, provider, enrol_mfa(provider.user), totp_code)
            tab.goto(url)
        page.get_by_label("Affect").fill("Tearful, then settled.")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_role("status")).to_contain_text("Draft saved.")

        other.evaluate("window.sameScreen = true")
        other.get_by_label("Affect").fill("Flat; brighter at the end.")
        other.get_by_role("button", name="Save draft").click()
        conflict = other.locator(".note-conflict")
        expect(conflict).to_contain_text("the note changed while you were editing")
        expect(conflict).to_contain_text("Tearful, then settled.")
        expect(conflict).to_contain_text("Flat; brighter at the end.")
        expect(other.get_by_label("Affect")).to_have_value("Flat; brighter at the end.")
        assert other.evaluate("window.sameScreen") is True  # swapped in, not a reload
        assert_accessible(other)
        assert IntegrationNote.objects.get().affect == "Tearful, then settled."

        other.get_by_label("Affect").fill("Tearful, then settled; flat later.")
        other.get_by_role("button", name="Save draft").click()
        expect(other.get_by_role("status")).to_contain_text("Draft saved.")
        assert IntegrationNote.objects.get().affect == "Tearful, then settled; flat later."
    finally:
        context.close()
