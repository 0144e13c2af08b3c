from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """PDF reports. Reads from every phase; no phase imports it."""

    name = "kapclinic.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from . import checks  # noqa: F401  (registers the page-size check)
