"""Clinic admins enter their clinic's REMS certification and read enrolments and forms."""

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
            content_type__app_label="rems",
            codename__in=[
                "view_certification",
                "add_certification",
                "change_certification",
                "view_enrolment",
                "view_monitoringform",
            ],
        )
    )


class Migration(migrations.Migration):
    dependencies = [("rems", "0001_initial"), ("clinic", "0002_role_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
