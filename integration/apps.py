from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = "Phase 3 — integration and measurement-based care"

    def ready(self):
        from django.db.models.signals import post_save

        from kapclinic.clinic.models import Clinic
        from kapclinic.clinic.timeline import register

        from .timeline import integration_entries

        register(integration_entries)
        _register_home_tasks()
        post_save.connect(_seed_new_clinic, sender=Clinic, dispatch_uid="integration.risk_terms")


def _register_home_tasks():
    """Follow-up questionnaires and the journal on the patient's home page."""
    from kapclinic.clinic.home import register

    from .home import integration_tasks

    register(integration_tasks)


def _seed_new_clinic(sender, instance, created, raw=False, **kwargs):
    """A new clinic starts with the default risk-wording list, which its admin then edits."""
    if created and not raw:
        from .models import seed_risk_terms

        seed_risk_terms(instance.pk)
