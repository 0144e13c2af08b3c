from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Phase 1 — suitability assessment"
    # Its parts of shared pages are found by module name: home.py, badges.py, timeline.py.
