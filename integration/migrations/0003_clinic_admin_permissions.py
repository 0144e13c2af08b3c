"""Clinic admins edit journal prompts and risk wording, and view (never change) the records.

Journal entries get no admin permission at all: a private entry never leaves the patient's
view, and shared ones are read in the clinical pages, not the admin.
"""

from django.db import migrations

EDITABLE = ("journalprompt", "riskterm")
VIEW_ONLY = ("integrationnote", "noteaddendum", "measurerequest", "courseclosure")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Clinic admin")
    codenames = [f"{action}_{model}" for model in EDITABLE for action in ("view", "add", "change", "delete")]
    codenames += [f"view_{model}" for model in VIEW_ONLY]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="integration", codename__in=codenames)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0002_seed_risk_terms"),
        ("clinic", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
