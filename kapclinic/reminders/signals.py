"""Alerts that cannot wait for the periodic scan: a new safety flag tells the care team now."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from kapclinic.clinic.models import SafetyFlag

from .tasks import send_safety_flag_alert


@receiver(post_save, sender=SafetyFlag, dispatch_uid="reminders.safety_flag_alert")
def alert_care_team(sender, instance, created, **kwargs):
    if created:
        # Only once the flag is committed: a rolled-back flag must not page anyone.
        transaction.on_commit(lambda: send_safety_flag_alert.delay(instance.pk))
