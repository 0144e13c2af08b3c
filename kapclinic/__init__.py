"""KAP Clinic: the patient journey of a ketamine-assisted psychotherapy clinic."""

from .celery import app as celery_app

__all__ = ("celery_app",)
