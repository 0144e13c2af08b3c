"""Calendar feeds: create, replace and revoke a clinician's secret address, and read the feed.

The feed lists the clinician's own appointments as a calendar app shows them: the patient's
initials and the kind of visit, never a name, a drug or a note (the address may be synced to a
phone or a shared calendar service). UIDs are the patient invites' (`reminders/ics.py`) and
SEQUENCE is the appointment's own version, so a move or a cancellation updates the entry.
"""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event, vDuration, vText

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Appointment
from kapclinic.reminders.ics import uid_for

from .feed_models import CalendarFeed

# What the feed covers: a month back (what happened), six months ahead (what is planned).
DAYS_BACK = 30
DAYS_AHEAD = 180
# How often calendar apps are asked to fetch it again (RFC 7986 REFRESH-INTERVAL).
REFRESH = datetime.timedelta(hours=1)
# last_used_at is stamped at most this often: a feed polled every few minutes writes rarely.
STAMP_EVERY = datetime.timedelta(minutes=5)
PREFIX_LENGTH = 8


class FeedError(Exception):
    """Refused; the message is shown to the person as is."""


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(provider, by):
    """A new secret address, its creation on the audit trail: (feed, token)."""
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        provider=provider, token_hash=digest(token), token_prefix=token[:PREFIX_LENGTH]
    )
    _audit(by, AccessEvent.Action.CREATE, f"calendar feed {feed.token_prefix}… created")
    return feed, token


def _live(provider):
    return (
        CalendarFeed.objects.live()
        .select_for_update(no_key=True, of=("self",))
        .filter(provider=provider)
        .first()
    )


def create_feed(provider, *, by):
    """A new secret address for `provider`: (feed, token). The token is shown once, never kept."""
    with transaction.atomic():
        if _live(provider) is not None:
            raise FeedError(
                "You already have a calendar feed. Replace it to get a new address, "
                "or revoke it first."
            )
        return _issue(provider, by)


def replace_feed(provider, *, by):
    """Revoke the live address (if any) and issue a new one, at once: (feed, token)."""
    with transaction.atomic():
        old = _live(provider)
        if old is not None:
            _revoke(old, by)
        return _issue(provider, by)


def revoke_feed(provider, *, by):
    """The live address stops working at once (404 to every calendar app using it)."""
    with transaction.atomic():
        feed = _live(provider)
        if feed is None:
            raise FeedError("You have no calendar feed to revoke.")
        _revoke(feed, by)
    return feed


def _revoke(feed, by):
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    _audit(by, AccessEvent.Action.CHANGE, f"calendar feed {feed.token_prefix}… revoked")


def _audit(by, action, what):
    AccessEvent.record(actor=by, action=action, what=what)


def feed_for_token(token):
    """The live feed of an active clinician whose secret this is, or None.

    Looked up by the token's hash (an index lookup on a value the caller cannot steer), then
    compared in constant time.
    """
    if not token:
        return None
    hashed = digest(token)
    feed = (
        CalendarFeed.objects.live()
        .filter(token_hash=hashed, provider__active=True, provider__user__is_active=True)
        .select_related("provider__clinic", "provider__user")
        .first()
    )
    if feed is None or not hmac.compare_digest(feed.token_hash, hashed):
        return None
    return feed


def feed_appointments(provider, now):
    """The clinician's own appointments in the feed's window, cancelled ones included."""
    return (
        Appointment.objects.filter(
            clinician=provider,
            starts_at__gte=now - datetime.timedelta(days=DAYS_BACK),
            starts_at__lte=now + datetime.timedelta(days=DAYS_AHEAD),
        )
        .select_related("course__patient", "resource")
        .order_by("starts_at", "pk")
    )


def initials(patient):
    """“S.R.”: the first letters of the name the patient goes by and of their surname."""
    legal = [part for part in patient.legal_name.split() if part[:1].isalpha()]
    preferred = [part for part in patient.preferred_name.split() if part[:1].isalpha()]
    parts = (preferred or legal)[:1] + legal[1:][-1:]
    return "".join(f"{part[0].upper()}." for part in parts) or "?"


def _event(appointment, clinic, now):
    event = Event()
    event.add("uid", uid_for(appointment.pk))
    event.add("dtstamp", now)
    event.add("created", appointment.created_at.astimezone(datetime.UTC))
    event.add("last-modified", appointment.changed_at.astimezone(datetime.UTC))
    event.add("sequence", appointment.sequence)
    event.add("dtstart", appointment.starts_at.astimezone(datetime.UTC))
    event.add("dtend", appointment.ends_at.astimezone(datetime.UTC))
    cancelled = appointment.status == Appointment.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    summary = f"{initials(appointment.course.patient)} · {appointment.get_kind_display()}"
    if appointment.status == Appointment.Status.NO_SHOW:
        summary += " (no-show)"
    event.add("summary", summary)
    room = appointment.resource.name if appointment.resource_id else ""
    event.add("location", vText(", ".join(filter(None, [room, clinic.name]))))
    # Private on a shared calendar: a colleague sees the clinician busy, not the entry.
    event.add("class", "PRIVATE")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def feed_calendar(feed, now=None):
    """The feed's bytes (RFC 5545, CRLF lines folded at 75 octets) and how many events."""
    now = now or timezone.now()
    provider = feed.provider
    clinic = provider.clinic
    calendar = Calendar()
    calendar.add("prodid", "-//KAP Clinic//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = f"{clinic.name}: my appointments"
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # Apple, Google, Outlook
    interval = vDuration(REFRESH)
    interval.params["VALUE"] = "DURATION"
    calendar.add("refresh-interval", interval)  # RFC 7986
    calendar.add("x-published-ttl", vDuration(REFRESH))  # Outlook, Apple
    appointments = list(feed_appointments(provider, now))
    for appointment in appointments:
        calendar.add_component(_event(appointment, clinic, now))
    return calendar.to_ical(), len(appointments)


def record_fetch(feed, request_origin, count, now=None):
    """One audit row per fetch, by the feed's owner, naming no patient; last_used_at stamped.

    `request_origin` is the request with the secret taken out of its path, so the trail
    never holds a working address.
    """
    now = now or timezone.now()
    AccessEvent.record(
        actor=feed.provider.user,
        action=AccessEvent.Action.VIEW,
        what=f"calendar feed {feed.token_prefix}… fetched: {count} appointments",
        request=request_origin,
    )
    if feed.last_used_at is None or now - feed.last_used_at >= STAMP_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
