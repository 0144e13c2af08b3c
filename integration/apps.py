from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = "Phase 3 — integration and measurement-based care"

    def ready(self):
        from django.db.models.signals import post_save

        from kapclinic.clinic.models import Clinic

        # Its parts of shared pages are found by module name: home.py, timeline.py.
        post_save.connect(_seed_new_clinic, sender=Clinic, dispatch_uid="integration.risk_terms")


def _seed_new_clinic(sender, instance, created, raw=False, **kwargs):
    """A new clinic starts with the default risk-wording list, which its admin then edits."""
    if created and not raw:
        from .models import seed_risk_terms

        seed_risk_terms(instance.pk)
