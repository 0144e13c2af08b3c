"""The check that a record written once stays as written: shared by the tests of the audit
trail, the stock ledger and dosing addenda, which all refuse the same three ways of changing."""

import pytest


def assert_write_once(record, error, **edit):
    """Saving `record`, deleting it, and a queryset update(**edit) of its row each raise `error`."""
    with pytest.raises(error):
        record.save()
    with pytest.raises(error):
        record.delete()
    with pytest.raises(error):
        type(record).objects.filter(pk=record.pk).update(**edit)
