from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Phase 1 — suitability assessment"

    def ready(self):
        from kapclinic.clinic import badges, home, timeline

        from .home import consent_badges, consent_tasks, consent_timeline

        home.register(consent_tasks)  # a consent to (re-)sign heads the patient's to-do list
        badges.register(consent_badges)  # and staff see who has still to sign
        timeline.register(consent_timeline)  # each signature on the chart, with its PDF
