"""PostgreSQL refuses any change to a signed integration note, and to any note addendum."""

from django.db import migrations

from kapclinic.clinic.signed_triggers import refuse_always, refuse_when_signed


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0005_note_version_and_content_hash"),
    ]

    operations = [
        refuse_when_signed("integration_integrationnote", "integration note"),
        refuse_always("integration_noteaddendum", "note addendum"),
    ]
