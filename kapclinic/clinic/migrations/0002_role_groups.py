"""Create one group per staff role, with the admin permissions a clinic admin needs."""

from django.db import migrations

CLINIC_ADMIN_PERMISSIONS = {
    "clinic": {
        "clinic": ["view", "change"],
        "provider": ["view", "add", "change"],
        "patient": ["view", "add", "change"],
        "treatmentcourse": ["view", "add", "change"],
        "appointment": ["view", "add", "change"],
        "safetyflag": ["view"],
        "user": ["view", "add", "change"],
    },
    "audit": {"accessevent": ["view"]},
}
ROLE_GROUPS = ["Prescriber", "Therapist", "Nurse", "Clinic admin"]


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    admin_group = Group.objects.get(name="Clinic admin")
    for app_label, models in CLINIC_ADMIN_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            admin_group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
