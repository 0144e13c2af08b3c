from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "kapclinic.reminders"
    label = "reminders"
    verbose_name = "Reminders and alerts"

    def ready(self):
        from kapclinic.clinic.timeline import register

        from . import signals  # noqa: F401  (connects the safety-flag alert, invitations)
        from .timeline import invitation_emails

        register(invitation_emails)
