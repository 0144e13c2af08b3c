"""Telling the patient how the clinic answered their request. Arguments are ids only.

The words name the clinic and a time, never a treatment nor the staff's message (it may
hold clinical detail): the patient reads that signed in. Written with the reminders app's
helpers (sender, link, local time), so it reads like every other email from the clinic.
"""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from kapclinic.reminders.emails import link, local, sender

from .models import AppointmentRequest, RequestStatus

SUBJECT = "Your appointment request at {clinic}"
TOLD = (RequestStatus.ACCEPTED, RequestStatus.PROPOSED, RequestStatus.DECLINED)


def message_for(request):
    """The email for the request's answer, or None when there is nobody or nothing to tell."""
    patient, clinic = request.patient, request.clinic
    if request.status not in TOLD or not (patient.email or "").strip():
        return None
    if patient.user_id is not None and not patient.user.is_active:
        return None
    context = {
        "clinic": clinic,
        "status": request.status,
        "asked_time": local(request.starts_at, clinic),
        "booked_time": local(request.booked.starts_at, clinic) if request.booked else "",
        "proposed_time": (
            local(request.proposed_starts_at, clinic) if request.proposed_starts_at else ""
        ),
        "url": link("calendar:ask"),
        "preferences_url": "",
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT.format(clinic=clinic.name),
        body=render_to_string("calendar/email/request_answered.txt", context),
        from_email=sender(clinic),
        to=[patient.email],
        reply_to=[clinic.email] if clinic.email else None,
    )
    message.attach_alternative(
        render_to_string("calendar/email/request_answered.html", context), "text/html"
    )
    return message


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def tell_patient(request_id):
    """Email the patient the clinic's answer to their request (accepted, offer, declined)."""
    request = (
        AppointmentRequest.objects.select_related("patient__user", "clinic", "booked")
        .filter(pk=request_id)
        .first()
    )
    message = message_for(request) if request is not None else None
    if message is None:
        return "skipped: nothing to tell"
    message.send()
    return "sent"
