"""On PostgreSQL the database itself refuses to change or delete a register entry.

The ORM refuses already (models.py); this stops raw SQL, a shell or another program, so a
correction can only be a reversing entry. TRUNCATE is not covered (row triggers do not fire
on it): only the database's own administrator, or the test runner emptying a test database,
uses it, and the hash chain would show what went missing.
"""

from django.db import migrations

from kapclinic.clinic.signed_triggers import refuse_always


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_register")]

    operations = [refuse_always("stock_ledgerentry", "controlled-substance register entry")]
