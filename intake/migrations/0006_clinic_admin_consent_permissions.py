"""Clinic admins publish consent versions and read (never change) signatures and withdrawals.

Publishing is "add" only: a published version is never changed (the admin offers no change).
"""

from django.db import migrations

CODENAMES = [
    "view_consentdocument",
    "add_consentdocument",
    "view_consentsignature",
    "view_consentwithdrawal",
]


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
        *Permission.objects.filter(content_type__app_label="intake", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_consent_versions"),
        ("clinic", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
