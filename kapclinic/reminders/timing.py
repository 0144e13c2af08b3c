"""When each kind of reminder is due. Offsets come from settings and the clinic's time zone.

Hour offsets are absolute (48 h before is 48 real hours, across a clock change); "the day
before at 17:00" and "each morning at 07:30" are wall times on the clinic's calendar.
"""

import datetime

from django.conf import settings


def wall_time(value):
    """ "17:00" → time(17, 0)."""
    hours, _, minutes = str(value).partition(":")
    return datetime.time(int(hours), int(minutes or 0))


def at_local(day, time_of_day, tz):
    """That wall time on that calendar day in the clinic's zone, as an aware datetime."""
    return datetime.datetime.combine(day, time_of_day, tzinfo=tz)


def appointment_offsets():
    from .models import Kind

    return {
        Kind.APPOINTMENT_EARLY: datetime.timedelta(hours=settings.REMINDER_APPOINTMENT_EARLY_HOURS),
        Kind.APPOINTMENT_SOON: datetime.timedelta(hours=settings.REMINDER_APPOINTMENT_SOON_HOURS),
    }


def pre_session_due(starts_at, tz):
    """The clinic's evening before the session's day (REMINDER_PRE_SESSION_TIME)."""
    day_before = starts_at.astimezone(tz).date() - datetime.timedelta(days=1)
    return at_local(day_before, wall_time(settings.REMINDER_PRE_SESSION_TIME), tz)


def digest_due(now, tz):
    """Today's digest time in the clinic's zone."""
    return at_local(now.astimezone(tz).date(), wall_time(settings.REMINDER_DIGEST_TIME), tz)


def measure_due_at(opens_at, due_at):
    """Remind before the due date, but never before the questionnaire opens."""
    return max(opens_at, due_at - datetime.timedelta(hours=settings.REMINDER_MEASURE_DUE_HOURS))


def measure_overdue_at(due_at):
    return due_at + datetime.timedelta(hours=settings.REMINDER_MEASURE_OVERDUE_HOURS)


def stale_before(now):
    """Reminders due before this are too late to be useful: skipped, never sent late."""
    return now - datetime.timedelta(hours=settings.REMINDER_STALE_HOURS)


def retry_delay(attempts):
    """Exponential backoff: base, 2×base, 4×base … capped at six hours."""
    base = settings.REMINDER_RETRY_BACKOFF_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))
