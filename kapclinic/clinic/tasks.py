"""Celery tasks of the clinic app. Arguments are ids only: no patient data in the broker."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_emergency_access(access_id):
    """Tell the patient's clinic admins that someone outside the clinic opened the chart.

    Who, from which clinic, which patient number and until when; no name, no clinical detail
    and not the reason (it may hold clinical detail: it is in the audit trail).
    """
    from .models import EmergencyAccess, Provider, Role

    access = (
        EmergencyAccess.objects.select_related("patient__clinic", "user__provider__clinic")
        .filter(pk=access_id)
        .first()
    )
    if access is None:
        return "skipped: no such access"
    clinic = access.patient.clinic
    admins = Provider.objects.active().filter(clinic=clinic, role=Role.CLINIC_ADMIN)
    recipients = sorted({p.user.email for p in admins.select_related("user")})
    if not recipients and clinic.email:
        recipients = [clinic.email]
    if not recipients:
        return "skipped: no clinic admin to tell"
    requester = getattr(access.user, "provider", None)
    context = {
        "access": access,
        "clinic": clinic,
        "requester": requester or access.user,
        "requester_clinic": requester.clinic if requester else None,
        "review_url": settings.SITE_URL.rstrip("/")
        + reverse("admin:clinic_emergencyaccess_change", args=[access.pk]),
    }
    send_mail(
        subject=f"Emergency access to a patient record at {clinic.name}",
        message=render_to_string("clinic/email/emergency_access.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    EmergencyAccess.objects.filter(pk=access.pk).update(clinic_told_at=timezone.now())
    return f"sent to {len(recipients)}"
