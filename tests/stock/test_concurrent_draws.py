"""Two nurses draw the last 50 mg at the same moment: two real transactions on their own
connections; the balance row lock lets one through and the other gets a clear refusal."""

import threading

import pytest
from django.db import connection, transaction

from kapclinic.stock import services
from kapclinic.stock.models import Balance, Kind, LedgerEntry

from .conftest import fake_dose

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_draws_of_the_last_stock_never_overdraw(stock):
    balance = stock.receive(units=1, unit_mg=50)  # the last 50 mg
    start = threading.Barrier(2)
    outcomes = [None, None]

    def draw(index):
        try:
            start.wait()
            with transaction.atomic():
                services.draw_for_dose(balance, fake_dose(stock, 50))
            outcomes[index] = "drawn"
        except services.StockError as refusal:
            outcomes[index] = str(refusal)
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("drawn") == 1, outcomes
    refusal = next(o for o in outcomes if o != "drawn")
    assert refusal.startswith("Not enough stock"), outcomes
    assert Balance.objects.get(pk=balance.pk).quantity_mg == 0
    assert LedgerEntry.objects.filter(kind=Kind.ADMINISTRATION).count() == 1
