"""A count that opens a discrepancy tells the clinic's prescribers (the medical director among
them) by email at once, not only in the next morning's digest.

The email goes through the reminders machinery: a row written in the count's transaction,
handed to the worker after commit (ids only cross the broker), so a rolled-back count tells
nobody and a mail server that is down never undoes the count. Emails name no drug.
"""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Product, Provider, Role
from kapclinic.reminders.models import Kind, Reminder, Status
from kapclinic.stock import services
from kapclinic.stock.models import Discrepancy, LedgerEntry, StockForm
from tests.factories import PASSWORD, ProviderFactory
from tests.reminders.conftest import run_scan

pytestmark = pytest.mark.django_db

DRUG_WORDS = ("ketamine", "esketamine", "spravato", "troche", "vial", "nasal", " mg")


def alerts():
    return [m for m in mail.outbox if "count did not match" in m.subject]


@pytest.fixture
def sent_in_process(settings):
    """As the demo sends (no broker): the worker's task runs here once the count commits."""
    settings.REMINDERS_SEND_IN_PROCESS = True


def test_a_count_short_emails_every_prescriber_of_the_clinic_at_once(stock, sent_in_process):
    """Before: the prescribers heard of it in the next daily digest (test first: it failed)."""
    director = Provider.objects.get(clinic=stock.clinic, is_medical_director=True).user
    colleague = ProviderFactory(clinic=stock.clinic, role=Role.PRESCRIBER).user
    troches = stock.receive(lot="T-1", units=4, unit_mg=50)
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock.count(stock.safe, {troches.pk: "150"})
    [message] = alerts()
    assert sorted(message.to) == sorted({stock.prescriber.email, colleague.email})
    assert director.email in message.to
    assert stock.world.two.staff[Role.PRESCRIBER].user.email not in message.to
    assert stock.nurse.email not in message.to
    body = message.body + message.alternatives[0][0]
    assert reverse("stock:discrepancies") in body
    text = (message.subject + body).lower()
    assert not [word for word in DRUG_WORDS if word in text]
    assert "t-1" not in text and stock.safe.name.lower() not in text
    assert Reminder.objects.get(kind=Kind.DISCREPANCY_ALERT).status == Status.SENT


def test_a_count_with_several_differences_sends_one_email(stock, sent_in_process):
    troches = stock.receive(lot="T-1", units=4, unit_mg=50)
    devices = stock.receive(
        lot="N-1", units=3, form=StockForm.NASAL_DEVICE, product=Product.ESKETAMINE
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        opened = stock.count(stock.safe, {troches.pk: "150", devices.pk: Decimal("56")})
    assert len(opened) == 2
    [message] = alerts()
    assert "2 differences" in message.body


def test_a_matching_count_emails_nobody(stock, sent_in_process):
    troches = stock.receive(lot="T-1", units=4, unit_mg=50)
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock.count(stock.safe, {troches.pk: "200"})
    assert not alerts() and not Reminder.objects.filter(kind=Kind.DISCREPANCY_ALERT).exists()


def test_a_rolled_back_count_emails_nobody(stock, sent_in_process):
    troches = stock.receive(lot="T-1", units=4, unit_mg=50)
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        stock.count(stock.safe, {troches.pk: "150"})
        raise RuntimeError("the count's transaction failed after the discrepancy was written")
    assert not alerts() and not Reminder.objects.filter(kind=Kind.DISCREPANCY_ALERT).exists()


def test_the_alert_still_goes_when_the_discrepancy_was_resolved_first(stock):
    """Without a broker the row waits for the scan; a shortage closed in the meantime is still
    told: the prescribers learn that stock was found short, however it was explained."""
    troches = stock.receive(lot="T-1", units=4, unit_mg=50)
    (discrepancy,) = stock.count(stock.safe, {troches.pk: "150"})
    other = ProviderFactory(clinic=stock.clinic, role=Role.PRESCRIBER).user
    services.resolve_discrepancy(discrepancy, other, reason="Broken troche.", password=PASSWORD)
    run_scan(timezone.now())
    [message] = alerts()
    assert "already resolved" in message.body


class MailServerDown(BaseEmailBackend):
    """A mail backend (open, send, close) whose server refuses the connection."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        self.open()


def test_mail_failing_never_undoes_the_count(stock, staff_client, sent_in_process, settings):
    settings.EMAIL_BACKEND = "tests.stock.test_discrepancy_alert.MailServerDown"
    troches = stock.receive(lot="T-1", units=4, unit_mg=50)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    data = {
        f"counted-{troches.pk}": "150",
        "witness": stock.therapist.pk,
        "witness_password": PASSWORD,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("stock:count", args=[stock.safe.pk]), data)
    assert response.status_code == 302
    assert Discrepancy.objects.get().difference_mg == -50
    assert LedgerEntry.objects.filter(kind="count").count() == 1
    row = Reminder.objects.get(kind=Kind.DISCREPANCY_ALERT)
    assert row.status != Status.SENT and "Connection refused" in row.last_error
