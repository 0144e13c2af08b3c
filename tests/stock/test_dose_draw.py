"""record_dose draws from the register in its own transaction where the clinic keeps one."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kapclinic.stock.models import ControlledRegister, Kind, LedgerEntry, StorageLocation
from sessions.models import Administration

from .conftest import Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(ready):
    one = ready.world.one
    ControlledRegister.objects.create(
        clinic=one.clinic, kept_from=timezone.localdate() - timedelta(days=1)
    )
    stock = Stock(
        clinic=one.clinic,
        safe=StorageLocation.objects.create(clinic=one.clinic, name="Safe A"),
        nurse=ready.nurse,
        prescriber=ready.prescriber,
    )
    return ready, stock


def test_a_dose_draws_from_the_chosen_lot_in_the_same_transaction(kept):
    ready, stock = kept
    balance = stock.receive(lot="T-9", units=4, unit_mg=50)  # 200 mg
    dose = ready.dose(stock_lot=balance, lot_number="", lot_expiry=None)
    entry = dose.stock_entry
    assert (entry.kind, entry.quantity_mg, entry.balance_after_mg) == (Kind.ADMINISTRATION, -200, 0)
    assert entry.course_id == ready.course.pk
    assert (dose.lot_number, dose.lot_expiry) == ("T-9", balance.lot.expiry)


def test_a_dose_without_enough_stock_is_refused_beside_the_lot(kept):
    ready, stock = kept
    balance = stock.receive(lot="T-9", units=2, unit_mg=50)  # 100 mg
    with pytest.raises(ValidationError) as refused:
        ready.dose(stock_lot=balance)
    assert "Not enough stock" in refused.value.message_dict["stock_lot"][0]
    assert not Administration.objects.exists()
    assert not LedgerEntry.objects.filter(kind=Kind.ADMINISTRATION).exists()


def test_a_dose_must_name_its_lot_where_the_register_is_kept(kept):
    ready, _stock = kept
    with pytest.raises(ValidationError) as refused:
        ready.dose()
    assert "stock_lot" in refused.value.message_dict
    assert not Administration.objects.exists()


def test_a_refused_dose_draws_nothing(kept):
    ready, stock = kept
    balance = stock.receive(lot="T-9", units=20, unit_mg=50)
    with pytest.raises(ValidationError) as refused:  # past the session maximum, after the lot
        ready.dose(stock_lot=balance, amount_mg=900)
    assert "amount_mg" in refused.value.message_dict
    balance.refresh_from_db()
    assert balance.quantity_mg == 1000
    assert not LedgerEntry.objects.filter(kind=Kind.ADMINISTRATION).exists()


def test_a_part_used_vial_is_an_open_task_on_the_session_screen(kept, staff_client):
    from django.urls import reverse

    from kapclinic.clinic.models import Role
    from kapclinic.stock.models import StockForm

    ready, stock = kept
    vials = stock.receive(lot="V-2", form=StockForm.VIAL, units=1)  # 250 mg
    ready.dose(stock_lot=vials)  # 200 mg
    client = staff_client(ready.world.one.staff[Role.NURSE])
    page = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert "50 mg left in the opened unit of lot V-2" in page
