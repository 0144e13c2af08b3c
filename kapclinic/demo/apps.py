from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data across the whole journey; sits on top of every phase, like reports."""

    name = "kapclinic.demo"
    label = "demo"
    verbose_name = "Demo data"
