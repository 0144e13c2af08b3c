"""Clinic admins read their clinic's reminder log and edit patients' reminder preferences."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Clinic admin")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reminders",
            codename__in=["view_reminder", "view_reminderpreference", "change_reminderpreference"],
        )
    )


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial"), ("clinic", "0004_protocol_permissions")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
