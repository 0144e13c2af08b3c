"""`flush` for the test run: empties the tables a transactional test wrote to, not every table.

Django ends each transactional test (browser, concurrency) with `flush`, which on PostgreSQL is
one TRUNCATE of every table: 1-3 s here even when all but a few are empty. This empties the
same tables to the same end state, then sends post_migrate as Django's flush does:

- one query finds the tables holding rows;
- those with a trigger on DELETE (signed records, appointments, the audit trail) are truncated,
  with every table that references them, as TRUNCATE requires (the audit trail lets TRUNCATE
  through only in a test_* database, tests/conftest.py);
- the rest are emptied with DELETE in the same transaction; foreign keys are deferred to commit.

Any other use (another database, sequences to reset, a cascade, a person at the prompt) is
Django's own flush.
"""

from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction

GUARDED = "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
GUARDED += " AND tgtype & 8 <> 0"  # fires on DELETE (a trigger on UPDATE alone lets DELETE by)
REFERENCES = "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
REFERENCES += "WHERE contype = 'f' AND conrelid <> confrelid"


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if (
            connection.vendor != "postgresql"
            or options["interactive"]
            or options.get("reset_sequences", True)
            or options.get("allow_cascade", False)
        ):
            return super().handle(**options)
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        if not tables:
            return None
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(
                " UNION ALL ".join(f"(SELECT %s FROM {quote(t)} LIMIT 1)" for t in tables),
                tables,
            )
            filled = {row[0] for row in cursor.fetchall()}
            truncated = _with_referencing(filled & _guarded(cursor), _referenced_by(cursor))
            if truncated:
                cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in sorted(truncated))}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in sorted(filled - truncated):
                cursor.execute(f"DELETE FROM {quote(table)}")
        if not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(options["verbosity"], False, connection.alias)
        return None


def _guarded(cursor):
    cursor.execute(GUARDED)
    return {row[0] for row in cursor.fetchall()}


def _referenced_by(cursor):
    cursor.execute(REFERENCES)
    referencing = {}
    for child, parent in cursor.fetchall():
        referencing.setdefault(parent, set()).add(child)
    return referencing


def _with_referencing(tables, referencing):
    """`tables` and every table that references one of them, directly or through others."""
    found, todo = set(), list(tables)
    while todo:
        table = todo.pop()
        if table not in found:
            found.add(table)
            todo.extend(referencing.get(table, ()))
    return found
