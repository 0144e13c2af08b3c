"""Celery tasks. Arguments are ids only: patient data never travels through the broker."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from kapclinic.clinic.models import Provider, Role, SafetyFlag


def alert_recipients(course):
    """The course's prescribers, or every active prescriber of the clinic if none is named."""
    team = [p for p in course.care_team.all() if p.active and p.role == Role.PRESCRIBER]
    if not team:
        team = list(
            Provider.objects.active().filter(clinic_id=course.clinic_id, role=Role.PRESCRIBER)
        )
    return sorted({p.user.email for p in team})


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_safety_flag_alert(flag_id):
    """Email the prescribers that a safety flag needs same-day review. No clinical detail."""
    flag = (
        SafetyFlag.objects.select_related("course__clinic", "course__patient")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None or not flag.is_open:
        return "skipped: flag missing or already resolved"
    course = flag.course
    recipients = alert_recipients(course)
    if not recipients:
        return "skipped: no active prescriber"
    context = {
        "clinic": course.clinic,
        "chart_url": settings.SITE_URL.rstrip("/")
        + reverse("clinic:patient-chart", args=[course.patient_id]),
    }
    message = EmailMultiAlternatives(
        subject=f"Action needed: a safety alert at {course.clinic.name}",
        body=render_to_string("reminders/email/safety_flag_alert.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("reminders/email/safety_flag_alert.html", context), "text/html"
    )
    message.send()
    return f"sent to {len(recipients)}"
