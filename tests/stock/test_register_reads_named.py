"""The register names the patients each dose was drawn for: reading it, on screen or as a
download, is a read of those patients' records and shows on their "Who viewed my record"."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.stock import services

from .conftest import fake_dose

pytestmark = pytest.mark.django_db


def doses_for(stock, courses):
    """One troche lot, a dose drawn from it for each course."""
    troches = stock.receive(lot="T-1", units=10, unit_mg=50)
    for course in courses:
        services.draw_for_dose(troches, fake_dose(stock, 50, course=course))
    return troches


def reads_of(patient, reader, action):
    return AccessEvent.objects.staff_access_to(patient).filter(
        actor=reader, action=action, what__startswith="controlled-substance register"
    )


def test_reading_the_register_shows_on_each_named_patients_who_viewed_page(
    stock, staff_client, client
):
    one = stock.world.one
    doses_for(stock, one.courses)
    reader = staff_client(one.staff[Role.CLINIC_ADMIN])
    page = reader.get(reverse("stock:register")).content.decode()
    for patient in one.patients:
        assert patient.display_name in page
        assert reads_of(patient, stock.admin, "view").count() == 1
    client.force_login(one.patients[1].user)
    mine = client.get(reverse("audit:who-viewed")).content.decode()
    assert "controlled-drug register entry for your dose" in mine


def test_a_lot_history_read_names_the_patients_it_shows(stock, staff_client):
    one = stock.world.one
    troches = doses_for(stock, one.courses[:1])
    reader = staff_client(one.staff[Role.NURSE])
    assert reader.get(reverse("stock:lot", args=[troches.lot.pk])).status_code == 200
    assert reads_of(one.patients[0], stock.nurse, "view").count() == 1
    assert not reads_of(one.patients[1], stock.nurse, "view").exists()


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_a_register_download_is_a_copy_of_each_named_patients_record(stock, staff_client, fmt):
    one = stock.world.one
    doses_for(stock, one.courses)
    reader = staff_client(one.staff[Role.PRESCRIBER])
    assert reader.get(reverse("reports:stock-register", args=[fmt])).status_code == 200
    for patient in one.patients:
        assert reads_of(patient, stock.prescriber, "export").count() == 1


def test_a_register_naming_no_patient_is_still_logged_once(stock, staff_client):
    stock.receive(lot="T-1")
    reader = staff_client(stock.world.one.staff[Role.NURSE])
    reader.get(reverse("stock:register"))
    rows = AccessEvent.objects.filter(
        actor=stock.nurse, what="controlled-substance register viewed"
    )
    assert rows.count() == 1 and rows.get().patient_id is None


def test_the_register_runs_the_same_queries_for_one_named_patient_or_two(stock, staff_client):
    one = stock.world.one
    troches = doses_for(stock, one.courses[:1])
    reader = staff_client(one.staff[Role.NURSE])
    counts = []
    for more in ((), one.courses[1:]):
        for course in more:
            services.draw_for_dose(troches, fake_dose(stock, 50, course=course))
        reader.get(reverse("stock:register"))  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(reverse("stock:register")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert reads_of(one.patients[1], stock.nurse, "view").exists()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)  # the rows written together still chain
    assert "intact" in out.getvalue()
