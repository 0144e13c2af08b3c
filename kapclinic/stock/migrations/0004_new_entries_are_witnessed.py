"""On PostgreSQL, every new register entry but a dose's administration names a witness.

Receipts, waste, returns, transfers between safes, corrections and counts are each signed by a
second person (kapclinic/stock/writes.py::colleague, which every writer calls); this makes the
database refuse one written past the services too (a shell, raw SQL, a writer that forgets).
A dose's administration is witnessed on its session, or struck in error without one.

NOT VALID: PostgreSQL checks new and changed rows only. The ledger is append-only and
hash-chained, so counts and transfers recorded alone before this rule keep their place as they
were written; nothing is rewritten to satisfy it. The SQLite demo has no such constraint (its
seed goes through the services).
"""

from django.db import migrations

from kapclinic.clinic.signed_triggers import PostgresOnlySQL

NAME = "stock_new_entry_is_witnessed"


class Migration(migrations.Migration):
    dependencies = [("stock", "0003_clinic_admin_permissions")]

    operations = [
        PostgresOnlySQL(
            f"ALTER TABLE stock_ledgerentry ADD CONSTRAINT {NAME} "
            "CHECK (kind = 'administration' OR witnessed_by_id IS NOT NULL) NOT VALID",
            f"ALTER TABLE stock_ledgerentry DROP CONSTRAINT {NAME}",
        )
    ]
