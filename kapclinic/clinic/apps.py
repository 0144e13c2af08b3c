from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClinicConfig(AppConfig):
    name = "kapclinic.clinic"
    label = "clinic"
    verbose_name = "Clinic and people"

    def ready(self):
        from .constraints import reinstall_after_migrate

        post_migrate.connect(
            reinstall_after_migrate, sender=self, dispatch_uid="clinic-sqlite-overlap-triggers"
        )
