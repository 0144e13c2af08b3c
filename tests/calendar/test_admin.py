"""The calendar in the Django admin: a clinic admin reads their own clinic's rows, read-only."""

import pytest
from django.urls import reverse

from kapclinic.calendar import requests as services

pytestmark = pytest.mark.django_db


def test_clinic_admins_read_their_own_clinics_requests_and_slots_only(dosed, staff_client):
    request = services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    own = staff_client(dosed.admin)
    listed = own.get(reverse("admin:clinic_calendar_appointmentrequest_changelist"))
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [request]
    slots = own.get(reverse("admin:clinic_calendar_openslot_changelist"))
    assert set(slots.context["cl"].result_list) == {dosed.slot, dosed.later}
    page = own.get(reverse("admin:clinic_calendar_appointmentrequest_change", args=[request.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]

    other_admin = dosed.world.two.staff["clinic_admin"]
    other = staff_client(other_admin)
    listed = other.get(reverse("admin:clinic_calendar_appointmentrequest_changelist"))
    assert list(listed.context["cl"].result_list) == []
