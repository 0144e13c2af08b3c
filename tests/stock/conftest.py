"""A clinic with two storage locations and the register kept, and a way to stock a lot."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kapclinic.clinic.models import Product, Role
from kapclinic.stock import services
from kapclinic.stock.models import Balance, ControlledRegister, StockForm, StorageLocation
from tests.factories import PASSWORD


class Stock(SimpleNamespace):
    def receive(
        self,
        lot="K-100",
        units=4,
        form=StockForm.TROCHE,
        unit_mg=50,
        location=None,
        product=Product.RACEMIC_KETAMINE,
        witness_password=PASSWORD,
        **extra,
    ):
        sizes = (
            {"mg_per_ml": Decimal("50"), "volume_ml": Decimal("5")}
            if form == StockForm.VIAL
            else {"unit_mg": Decimal(unit_mg)}
        )
        services.receive(
            self.clinic,
            self.nurse,
            location=location or self.safe,
            product=product,
            form=form,
            lot_number=lot,
            expiry=timezone.localdate() + timedelta(days=300),
            supplier="Wholesale Ltd",
            units=units,
            witnessed_by=self.prescriber,
            witness_password=witness_password,
            reference="INV-1",
            **{**sizes, **extra},
        )
        return Balance.objects.select_related("lot", "location").get(
            lot__lot_number=lot, location=location or self.safe
        )

    def waste(
        self, balance, amount_mg, *, method="Pouch", witness=None, password=PASSWORD, **extra
    ):
        """The nurse wastes `amount_mg` into a pouch, the prescriber witnessing."""
        return services.waste(
            balance,
            self.nurse,
            amount_mg=amount_mg,
            method=method,
            witness=witness or self.prescriber,
            witness_password=password,
            **extra,
        )

    def reverse(
        self,
        entry,
        reason="Entered in error.",
        *,
        by=None,
        witness="the prescriber",
        password=PASSWORD,
    ):
        """The nurse (or `by`) reverses `entry`, the prescriber (or `witness`) signing."""
        return services.reverse(
            entry,
            by or self.nurse,
            reason=reason,
            witness=self.prescriber if witness == "the prescriber" else witness,
            witness_password=password,
        )

    def count(self, location, counted, *, by=None, witness=None, password=PASSWORD, **extra):
        """The nurse (or `by`) counts `location`, the therapist (or `witness`) counting with
        her, so the clinic's prescriber is free to resolve what the count opens."""
        return services.count(
            location,
            by or self.nurse,
            counted,
            witness=witness or self.therapist,
            witness_password=password,
            **extra,
        )

    def transfer(self, balance, to_location, amount_mg, *, witness=None, password=PASSWORD):
        """The nurse moves `amount_mg` to `to_location`, the prescriber witnessing."""
        return services.transfer(
            balance,
            to_location,
            self.nurse,
            amount_mg=amount_mg,
            witness=witness or self.prescriber,
            witness_password=password,
        )

    def return_stock(self, balance, amount_mg, *, witness=None, password=PASSWORD, **extra):
        """The nurse returns `amount_mg` to a reverse distributor, the prescriber witnessing."""
        return services.return_stock(
            balance,
            self.nurse,
            amount_mg=amount_mg,
            witness=witness or self.prescriber,
            witness_password=password,
            **extra,
        )


@pytest.fixture
def stock(world):
    one = world.one
    ControlledRegister.objects.create(
        clinic=one.clinic, kept_from=timezone.localdate() - timedelta(days=30)
    )
    return Stock(
        world=world,
        clinic=one.clinic,
        safe=StorageLocation.objects.create(clinic=one.clinic, name="Safe A"),
        cabinet=StorageLocation.objects.create(clinic=one.clinic, name="Cabinet B"),
        nurse=one.staff[Role.NURSE].user,
        prescriber=one.staff[Role.PRESCRIBER].user,
        therapist=one.staff[Role.THERAPIST].user,
        admin=one.staff[Role.CLINIC_ADMIN].user,
        course=one.courses[0],
    )


def fake_dose(stock, amount, *, by=None, witness=None, course=None):
    """What draw_for_dose reads from a dose, without a dosing session (the stock app's
    own tests stay on the core floor; tests/stock/test_dose_draw.py uses record_dose)."""
    return SimpleNamespace(
        amount_mg=Decimal(amount),
        session=SimpleNamespace(course=course or stock.course),
        given_by=by or stock.prescriber,
        witnessed_by=witness or stock.nurse,
        recorded_by=by or stock.prescriber,
        given_at=timezone.now(),
    )
