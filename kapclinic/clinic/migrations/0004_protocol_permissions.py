"""Clinic admins edit their clinic's protocols."""

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
            content_type__app_label="clinic",
            codename__in=["view_protocol", "add_protocol", "change_protocol"],
        )
    )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_protocol")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
