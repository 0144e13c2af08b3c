"""The test run's own app: it holds no models, only the `flush` command that overrides Django's."""

from django.apps import AppConfig


class FlushConfig(AppConfig):
    name = "tests.flush"
    label = "test_flush"
