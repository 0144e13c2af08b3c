"""The "Security" page in the header (allauth's two-factor page) is where a person manages how
they sign in: their password is changed from there, by patients and staff alike."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["patient", "staff"])
def test_the_security_page_offers_a_password_change(world, client, who, enrol_mfa):
    if who == "patient":
        user = world.one.patients[0].user
    else:
        from kapclinic.clinic.models import Role

        user = world.one.staff[Role.NURSE].user
        enrol_mfa(user)
    client.force_login(user)
    page = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{reverse("account_change_password")}"' in page
    assert "Change password" in page
