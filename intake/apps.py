from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Phase 1 — suitability assessment"

    def ready(self):
        from kapclinic.clinic.home import register

        from .home import consent_tasks

        register(consent_tasks)  # a consent to (re-)sign heads the patient's to-do list
