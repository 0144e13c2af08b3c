from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "kapclinic.reminders"
    label = "reminders"
    verbose_name = "Reminders and alerts"

    def ready(self):
        # Invitation emails on the chart are found by module name (timeline.py).
        from django.utils.module_loading import autodiscover_modules

        from . import signals  # noqa: F401  (connects the safety-flag alert, invitations)

        # Emails of apps above this one (the calendar's answer to a request), by module name.
        autodiscover_modules("reminder_emails")
