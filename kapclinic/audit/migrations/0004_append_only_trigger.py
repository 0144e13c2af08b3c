"""On PostgreSQL the database itself refuses to change, delete or truncate audit events.

The ORM already refuses (models.py); this stops raw SQL from the application's own login as
well. A database superuser can still switch the trigger off: `manage.py verify_audit` then
finds the edit through the hash chain.

Tests empty the database between transactional tests with TRUNCATE, so TRUNCATE is let through
in a database named test_* whose connection has set `kapclinic.audit_flush = on`
(tests/conftest.py); no other database allows it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_database() LIKE 'test\\_%'
       AND current_setting('kapclinic.audit_flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_accessevent_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_accessevent_append_only();

CREATE TRIGGER audit_accessevent_no_truncate
    BEFORE TRUNCATE ON audit_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accessevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_accessevent_no_truncate ON audit_accessevent;
DROP TRIGGER IF EXISTS audit_accessevent_no_update_or_delete ON audit_accessevent;
DROP FUNCTION IF EXISTS audit_accessevent_append_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain")]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP), elidable=False),
    ]
