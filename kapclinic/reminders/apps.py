from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "kapclinic.reminders"
    label = "reminders"
    verbose_name = "Reminders and alerts"

    def ready(self):
        # Invitation emails on the chart are found by module name (timeline.py).
        from . import signals  # noqa: F401  (connects the safety-flag alert, invitations)
