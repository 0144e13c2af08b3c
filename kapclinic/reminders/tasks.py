"""Celery tasks. Arguments are ids only: patient data never travels through the broker."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from kapclinic.clinic.queue import fail_fast_connection

from . import services
from .emails import alert_recipients  # noqa: F401  (the safety alert's recipients)

log = logging.getLogger(__name__)


# --- Due reminders ---------------------------------------------------------------------------


@shared_task(
    bind=True,
    acks_late=True,
    # A lost database connection before anything was claimed or sent: try again shortly.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_reminder(self, reminder_id, lease=None):
    """Send one reminder by id. With a lease (from the scan) it sends that claim; without one
    it claims the row itself if due. Mail errors are recorded on the row and retried with
    backoff; whatever happens, a row is sent at most once per claim."""
    if lease is None:
        lease = services.claim_one(reminder_id)
        if lease is None:
            return f"#{reminder_id} noop: not due, or claimed by someone else"
    outcome = services.deliver(reminder_id, lease)
    retry = outcome.retry_in is not None and not self.request.is_eager
    if retry and self.request.retries < self.max_retries:
        # The row is back to `due` with its backoff; whichever comes first, this retry
        # or the next scan, claims it. The other finds it claimed and does nothing.
        raise self.retry(args=(reminder_id, None), countdown=outcome.retry_in)
    return str(outcome)


def _enqueue_batch(ids, lease):
    # No publish retries: if the broker is down the scan releases the batch at once.
    with fail_fast_connection(send_reminder.app) as connection:
        for pk in ids:
            send_reminder.apply_async((pk, str(lease)), retry=False, connection=connection)


@shared_task(acks_late=True)
def scan_due_reminders():
    """The periodic scan (Celery beat, every REMINDER_SCAN_MINUTES)."""
    result = services.scan(dispatch=_enqueue_batch)
    summary = (
        f"planned {result.planned}, reclaimed {result.reclaimed}, queued {len(result.claimed)}"
        + (f", {result.released} not queued (broker down)" if result.released else "")
    )
    log.info("Reminder scan: %s", summary)
    return summary
