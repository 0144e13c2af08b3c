from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Phase 1 — suitability assessment"

    def ready(self):
        from kapclinic.clinic import badges, home

        from .home import consent_badges, consent_tasks

        home.register(consent_tasks)  # a consent to (re-)sign heads the patient's to-do list
        badges.register(consent_badges)  # and staff see who has still to sign
