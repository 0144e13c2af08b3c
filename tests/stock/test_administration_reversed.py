"""A dose recorded in error gives its register entry back: a reversing entry puts the amount
into stock again, and the part-used unit it opened is no longer an open task."""

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.stock import selectors, services
from kapclinic.stock.models import Kind, LedgerEntry, StockForm

from .conftest import fake_dose
from .test_dose_draw import kept  # noqa: F401  (the fixture: a session and a kept register)

pytestmark = pytest.mark.django_db

REASON = "Dose recorded on the wrong patient's screen."


def test_the_reversal_puts_the_amount_back_and_closes_the_remainder(stock):
    vials = stock.receive(lot="V-1", form=StockForm.VIAL, units=1)  # 250 mg
    drawn = services.draw_for_dose(vials, fake_dose(stock, 200))
    assert list(selectors.open_remainders(stock.clinic.pk)) == [drawn]
    back = services.reverse_administration(drawn, stock.prescriber, reason=REASON)
    assert (back.kind, back.quantity_mg, back.reverses, back.reason) == (
        Kind.ADMINISTRATION,
        200,
        drawn,
        REASON,
    )
    assert back.course_id == drawn.course_id and back.balance_after_mg == 250
    vials.refresh_from_db()
    assert vials.quantity_mg == 250
    assert not selectors.open_remainders(stock.clinic.pk).exists()
    assert selectors.chain_break() is None
    assert AccessEvent.objects.filter(what__contains=f"administration {drawn.pk} reversed").exists()
    # The whole vial is sealed stock again: a new dose may open it.
    services.draw_for_dose(vials, fake_dose(stock, 250))


def test_an_administration_is_reversed_once_and_needs_a_reason(stock):
    drawn = services.draw_for_dose(stock.receive(), fake_dose(stock, 100))
    with pytest.raises(services.StockError, match="why"):
        services.reverse_administration(drawn, stock.prescriber, reason="  ")
    services.reverse_administration(drawn, stock.prescriber, reason=REASON)
    with pytest.raises(services.StockError, match="already reversed"):
        services.reverse_administration(drawn, stock.prescriber, reason=REASON)
    reversal = LedgerEntry.objects.get(reverses=drawn)
    with pytest.raises(services.StockError):
        services.reverse_administration(reversal, stock.prescriber, reason=REASON)


def test_a_remainder_already_wasted_must_be_corrected_first(stock):
    vials = stock.receive(lot="V-1", form=StockForm.VIAL, units=1)
    drawn = services.draw_for_dose(vials, fake_dose(stock, 200))
    wasted = stock.waste(vials, 50, settles=drawn)
    with pytest.raises(services.StockError, match="remainder .* wasted"):
        services.reverse_administration(drawn, stock.prescriber, reason=REASON)
    assert not LedgerEntry.objects.filter(reverses=drawn).exists()
    # Once the waste is itself reversed (it was not wasted after all), the dose can be.
    stock.reverse(wasted, "The vial was never opened.")
    services.reverse_administration(drawn, stock.prescriber, reason=REASON)
    vials.refresh_from_db()
    assert vials.quantity_mg == 250 and selectors.chain_break() is None


def test_only_a_nurse_or_prescriber_of_the_clinic_corrects_the_register(stock):
    drawn = services.draw_for_dose(stock.receive(), fake_dose(stock, 100))
    for who in (stock.therapist, stock.admin):
        with pytest.raises(services.StockError, match="Only a"):
            services.reverse_administration(drawn, who, reason=REASON)


def test_other_kinds_are_not_reversed_here_and_administrations_not_there(stock):
    balance = stock.receive()
    receipt = LedgerEntry.objects.get(kind=Kind.RECEIPT)
    with pytest.raises(services.StockError):
        services.reverse_administration(receipt, stock.prescriber, reason=REASON)
    drawn = services.draw_for_dose(balance, fake_dose(stock, 100))
    with pytest.raises(services.StockError):
        stock.reverse(drawn, by=stock.prescriber, witness=stock.nurse)


def test_a_dose_struck_on_the_session_screen_shows_its_reversal_in_the_register(
    kept,  # noqa: F811
    staff_client,
):
    from sessions import services as dosing

    ready, stock = kept
    vials = stock.receive(lot="V-2", form=StockForm.VIAL, units=1)  # 250 mg
    dose = ready.dose(stock_lot=vials)  # 200 mg, 50 mg left in the opened vial
    dosing.mark_entered_in_error(dose, ready.prescriber, REASON)
    vials.refresh_from_db()
    assert vials.quantity_mg == 250
    back = LedgerEntry.objects.get(reverses=dose.stock_entry)
    assert not LedgerEntry.objects.open_remainders().exists()
    assert selectors.chain_break() is None
    client = staff_client(ready.world.one.staff[Role.NURSE])
    session = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert "left in the opened unit" not in session
    register = client.get(reverse("stock:lot", args=[vials.lot.pk])).content.decode()
    assert "Reversal" in register and REASON.replace("'", "&#x27;") in register
    assert back.quantity_mg == 200
