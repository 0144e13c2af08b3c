"""Every link of the main navigation is on screen, without a hidden sideways scroll: the
patient's on phones from 320 to 390 pixels wide, staff's at 200% zoom (640 CSS pixels)."""

import re

import pytest
from playwright.sync_api import expect

from kapclinic.clinic.models import Role

from .actions import patient_sign_in, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"width": 320, "height": 640}
ZOOMED_200 = {"width": 640, "height": 400}


def assert_every_nav_link_on_screen(page):
    """Each link of the main navigation lies inside the screen's width, and the page itself
    does not scroll sideways."""
    page.evaluate("window.scrollTo(0, 0)")
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert links.count() > 0
    for link in links.all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        name = link.inner_text()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
            f"{page.url}: '{name}' spans {box['x']:.0f}-{box['x'] + box['width']:.0f}px "
            f"on a {width}px screen"
        )
    sign_out = page.get_by_role("button", name="Sign out")
    box = sign_out.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("viewport", [SMALL_PHONE, None], ids=["320px", "390px"])
def test_the_patients_every_nav_link_is_on_a_phones_screen(
    live_server, phone_page, world, viewport, assert_accessible
):
    phone = phone_page
    if viewport:
        phone.set_viewport_size(viewport)
    patient = world.one.patients[0]
    world.one.courses[0].start_intake(patient.user)
    patient_sign_in(phone, live_server, patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Who viewed my record")).to_be_visible()
    assert_every_nav_link_on_screen(phone)
    assert_accessible(phone)


@pytest.mark.parametrize("page", [ZOOMED_200], indirect=True)
@pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.CLINIC_ADMIN])
def test_staffs_every_nav_link_is_on_screen_at_200_percent_zoom(
    live_server, page, world, role, enrol_mfa, totp_code, assert_accessible
):
    member = world.one.staff[role]
    if role == Role.CLINIC_ADMIN:  # the longest navigation: with Admin
        member.user.is_staff = True
        member.user.save(update_fields=["is_staff"])
    staff_sign_in(page, live_server, member, enrol_mfa(member.user), totp_code)
    assert_every_nav_link_on_screen(page)
    assert_accessible(page)
