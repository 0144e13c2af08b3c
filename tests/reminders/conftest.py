"""Helpers for the reminder tests: a scan at a chosen moment, sending in this process."""

import datetime
import email
from email.message import MIMEPart as EmailMessagePart

import pytest
from django.core import mail

from kapclinic.reminders import services
from kapclinic.reminders.emails import HEADER

UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def run_scan(now):
    """One scan at `now`, each claimed row delivered here; returns the outcomes."""
    outcomes = []

    def here(ids, lease):
        outcomes.extend(services.deliver(pk, lease, now=now) for pk in ids)

    services.scan(dispatch=here, now=now)
    return outcomes


def sent_ids():
    return [int(m.extra_headers[HEADER]) for m in mail.outbox if HEADER in m.extra_headers]


def calendar_of(message):
    """The parsed .ics attached to a message, or None."""
    from icalendar import Calendar

    for attachment in message.attachments:
        if isinstance(attachment, EmailMessagePart):
            if (attachment.get_filename() or "").endswith(".ics"):
                return Calendar.from_ical(attachment.get_content())
            continue
        filename, content, mimetype = attachment
        if filename.endswith(".ics"):
            return Calendar.from_ical(content)
    return None


def calendar_part(message):
    """The .ics part of the message as it goes over the wire (its headers included)."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            return part
    return None


def message_from_file(path):
    return email.message_from_bytes(path.read_bytes())


@pytest.fixture
def scan():
    return run_scan
