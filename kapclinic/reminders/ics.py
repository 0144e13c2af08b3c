"""iCalendar invites for appointments (RFC 5545, built with the `icalendar` library).

One UID per appointment for its whole life, so a calendar replaces the event when it moves
(a higher SEQUENCE) and removes it when cancelled (METHOD:CANCEL). Times are UTC: correct
in every calendar without shipping VTIMEZONE blocks. No clinical detail: just the clinic.
"""

import datetime
from email.message import MIMEPart
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText


def uid_for(appointment_id):
    host = urlsplit(settings.SITE_URL).hostname or "kapclinic.invalid"
    return f"appointment-{appointment_id}@{host}"


def appointment_invite(appointment, clinic, *, attendee, sequence=0, cancelled=False, url=""):
    """The bytes of a one-event calendar: a request (new or moved) or a cancellation.

    ORGANIZER (the clinic) and ATTENDEE (the patient's address) let calendar apps treat it as
    an invitation to accept, update or remove, not as a loose file.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//KAP Clinic//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid_for(appointment.pk))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at.astimezone(datetime.UTC))
    event.add("dtend", appointment.ends_at.astimezone(datetime.UTC))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", f"Appointment at {clinic.name}")
    if clinic.address:
        event.add("location", vText(" ".join(clinic.address.split())))
    if url:
        event.add("url", url)
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    organizer = vCalAddress(f"mailto:{clinic.email or address}")
    organizer.params["cn"] = vText(clinic.name)
    event.add("organizer", organizer)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params["role"] = vText("REQ-PARTICIPANT")
    guest.params["partstat"] = vText("NEEDS-ACTION")
    guest.params["rsvp"] = vText("FALSE")
    event.add("attendee", guest)
    calendar.add_component(event)
    return calendar.to_ical()


def invite_part(invite, *, cancelled=False):
    """The .ics as a MIME part whose Content-Type carries the iTIP method (RFC 6047 §2.4):
    some calendar apps (Outlook, Apple Mail) only offer "add to calendar" when it is there."""
    part = MIMEPart()
    part.set_content(
        invite.decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": "CANCEL" if cancelled else "REQUEST"},
        disposition="attachment",
        filename="invite.ics",
    )
    return part
