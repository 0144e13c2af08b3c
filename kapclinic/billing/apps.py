from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Fee lines and superbills. Reads from every phase and the core; nothing imports it
    but the demo."""

    name = "kapclinic.billing"
    label = "billing"
    verbose_name = "Billing"
