"""Celery application. Without REDIS_URL tasks run eagerly in process (the demo)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kapclinic.settings")

app = Celery("kapclinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
