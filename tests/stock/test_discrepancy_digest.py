"""Unresolved count discrepancies reach the clinic's clinicians in the daily digest and the
prescribers' My day."""

import pytest
from django.core import mail
from django.urls import reverse

from kapclinic.clinic.models import Role
from tests.reminders.conftest import at, run_scan

pytestmark = pytest.mark.django_db


def test_an_open_discrepancy_is_in_the_daily_digest(stock):
    troches = stock.receive(lot="T-1", units=2, unit_mg=50)
    stock.count(stock.safe, {troches.pk: "60"})
    run_scan(at(2030, 6, 3, 6, 30))
    prescriber = stock.prescriber.email
    message = next(m for m in mail.outbox if prescriber in m.to and "summary" in m.subject)
    assert "Controlled-drug count discrepancies to resolve: 1" in message.body


def test_prescribers_see_open_discrepancies_on_my_day(stock, staff_client):
    troches = stock.receive(lot="T-1", units=2, unit_mg=50)
    stock.count(stock.safe, {troches.pk: "60"})
    page = staff_client(stock.world.one.staff[Role.PRESCRIBER]).get(reverse("dosing:day"))
    assert "1 controlled-drug count discrepancy" in page.content.decode()
