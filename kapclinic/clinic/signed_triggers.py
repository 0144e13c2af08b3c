"""Database triggers that keep signed clinical records as they were signed (PostgreSQL).

The models already refuse to change a signed record; these triggers refuse it to anything
else that reaches the database (raw SQL, a shell, another program), so the record a
prescriber signed is the record that stays. They raise SQLSTATE 23000 (Django's
IntegrityError). The SQLite demo has no such triggers: RunSQL here is vendor-guarded.
TRUNCATE is not covered (only an administrator of the database itself can run it).

`refuse_on` is the general form: the links and final states of the journey (a course's
patient, an appointment's course, a completed visit) are kept the same way.
"""

from django.db import migrations

REFUSED = "integrity_constraint_violation"


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that other databases skip, both ways."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _function(name, body, declare=""):
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
{declare}BEGIN
{body}
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;"""


def _trigger(table, function, events="UPDATE OR DELETE", argument="", name=None):
    name = name or f"{table}_signed_is_final"
    return (
        f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
        f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}('{argument}');",
        f"DROP TRIGGER IF EXISTS {name} ON {table};",
    )


def refuse_when_signed(table, what):
    """The row has a `status`; once it is 'signed' the row is neither updated nor deleted."""
    function = f"{table}_refuse_signed_change"
    body = f"""  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION 'A signed {what} cannot be changed or deleted: add an addendum instead.'
      USING ERRCODE = '{REFUSED}';
  END IF;"""
    create, drop = _trigger(table, function)
    return PostgresOnlySQL(
        sql=_function(function, body) + "\n" + create,
        reverse_sql=drop + f"\nDROP FUNCTION IF EXISTS {function}();",
    )


def refuse_always(table, what):
    """Rows that are final when written (addenda, decisions, plans, signatures)."""
    function = f"{table}_refuse_change"
    body = f"""  RAISE EXCEPTION 'A {what} is never changed or deleted: add a new one instead.'
    USING ERRCODE = '{REFUSED}';"""
    create, drop = _trigger(table, function)
    return PostgresOnlySQL(
        sql=_function(function, body) + "\n" + create,
        reverse_sql=drop + f"\nDROP FUNCTION IF EXISTS {function}();",
    )


def refuse_in_signed_parent(tables, function, parent, link, parent_key="id"):
    """Rows of a signed parent: no insert, update or delete.

    The parent row is share-locked first, so a row cannot slip in while the parent is being
    signed: the check waits for the signature and then sees it.
    """
    lock = (
        "  SELECT p.status INTO parent_status FROM {parent} p "
        "WHERE p.{parent_key} = {row}.{link} FOR SHARE;"
    )
    body = f"""  IF TG_OP <> 'INSERT' THEN
{lock.format(parent=parent, parent_key=parent_key, row="OLD", link=link)}
    IF parent_status = 'signed' THEN
      RAISE EXCEPTION 'The record is signed: this % row cannot change. Add an addendum.',
        TG_TABLE_NAME USING ERRCODE = '{REFUSED}';
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
{lock.format(parent=parent, parent_key=parent_key, row="NEW", link=link)}
    IF parent_status = 'signed' THEN
      RAISE EXCEPTION 'The record is signed: no % row can be added or moved to it.',
        TG_TABLE_NAME USING ERRCODE = '{REFUSED}';
    END IF;
  END IF;"""
    creates, drops = zip(
        *(_trigger(table, function, "INSERT OR UPDATE OR DELETE") for table in tables),
        strict=True,
    )
    return PostgresOnlySQL(
        sql=_function(function, body, declare="DECLARE parent_status text;\n")
        + "\n"
        + "\n".join(creates),
        reverse_sql="\n".join(drops) + f"\nDROP FUNCTION IF EXISTS {function}();",
    )


def refuse_on(table, name, body, events="UPDATE", declare=""):
    """A BEFORE `events` row trigger `name` on `table` running `body` (plpgsql that RAISEs with
    ERRCODE `REFUSED` when the write breaks a rule); its function is `name` too."""
    create, drop = _trigger(table, name, events, name=name)
    return PostgresOnlySQL(
        sql=_function(name, body, declare) + "\n" + create,
        reverse_sql=drop + f"\nDROP FUNCTION IF EXISTS {name}();",
    )
