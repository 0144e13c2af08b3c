"""Chain every audit event to the one before it, and hash the events already written."""

from django.db import migrations, models

from kapclinic.audit import chain


def backfill(apps, schema_editor):
    AccessEvent = apps.get_model("audit", "AccessEvent")
    rows = AccessEvent.objects.using(schema_editor.connection.alias).order_by("pk")
    previous, batch = chain.GENESIS, []
    for event in rows.iterator(chunk_size=2000):
        values = {name: getattr(event, name) for name in chain.CHAINED_FIELDS}
        event.previous_hash = previous
        event.row_hash = previous = chain.digest(values, previous)
        batch.append(event)
        if len(batch) == 2000:
            AccessEvent.objects.bulk_update(batch, ["previous_hash", "row_hash"])
            batch = []
    AccessEvent.objects.bulk_update(batch, ["previous_hash", "row_hash"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accessevent",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
