"""Clinic admins set up the register and its locations and read lots, entries, discrepancies."""

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
            content_type__app_label="stock",
            codename__in=[
                "view_controlledregister",
                "add_controlledregister",
                "change_controlledregister",
                "view_storagelocation",
                "add_storagelocation",
                "change_storagelocation",
                "view_stocklot",
                "view_ledgerentry",
                "view_discrepancy",
            ],
        )
    )


class Migration(migrations.Migration):
    dependencies = [("stock", "0002_register_is_append_only"), ("clinic", "0002_role_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
