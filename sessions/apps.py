from django.apps import AppConfig


class DosingConfig(AppConfig):
    """Dosing sessions. The label avoids a clash with django.contrib.sessions."""

    name = "sessions"
    label = "dosing"
    verbose_name = "Phase 2 — supervised dosing sessions"

    def ready(self):
        from kapclinic.clinic.timeline import register

        from .timeline import dosing_sessions

        register(dosing_sessions)
