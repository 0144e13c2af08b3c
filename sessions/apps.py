from django.apps import AppConfig


class DosingConfig(AppConfig):
    """Dosing sessions. The label avoids a clash with django.contrib.sessions."""

    name = "sessions"
    label = "dosing"
    verbose_name = "Phase 2 — supervised dosing sessions"
    # Its sessions on the chart are found by module name: timeline.py.
