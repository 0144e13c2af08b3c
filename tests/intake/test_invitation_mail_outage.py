"""Inviting a patient while the mail server refuses or never answers.

The inviting page never talks to the mail server: it saves the patient, the invitation and
its email's reminder row once, and answers at once. The worker's send fails against a real
local socket (a server that refuses, one that accepts and stays silent) and is recorded on
the row, which staff see on the chart; once mail works again the next scan sends the link.
"""

import re
import socketserver
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from intake.models import Invitation
from kapclinic.clinic.models import Patient, Role, TreatmentCourse
from kapclinic.reminders.models import Kind, Reminder, Status
from tests.reminders.conftest import run_scan

from .test_invitation import invite

pytestmark = pytest.mark.django_db

EMAIL = "new.patient@example.com"
LINK = re.compile(r"https?://[^/\s]+(/intake/invitation/[^/\s]+/)")


class Refusing(socketserver.BaseRequestHandler):
    """A mail server that turns every connection away (as one out of service does)."""

    def handle(self):
        self.request.sendall(b"554 5.3.2 Service not available\r\n")


class RefusingRecipient(socketserver.StreamRequestHandler):
    """A mail server that works but refuses the mailbox (550): a refusal of this message,
    not an outage, so the row fails for good after its attempts."""

    def handle(self):
        self.wfile.write(b"220 localhost ESMTP\r\n")
        for line in self.rfile:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO", b"MAIL", b"RSET"):
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                self.wfile.write(b"550 5.1.1 No such mailbox\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"502 5.5.1 Not implemented\r\n")


class SilentAfterData(socketserver.StreamRequestHandler):
    """A mail server that takes the whole message and never says whether it has it: the
    message may have gone, so each attempt counts and the row ends as failed."""

    def handle(self):
        self.wfile.write(b"220 localhost ESMTP\r\n")
        for line in self.rfile:
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                for body in self.rfile:
                    if body == b".\r\n":
                        self.server.stop.wait(30)
                        return
            elif verb == b"QUIT":
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class Silent(socketserver.BaseRequestHandler):
    """A mail server that accepts the connection and never says a word."""

    def handle(self):
        self.server.stop.wait(30)


@pytest.fixture
def mail_server():
    servers = []

    def start(handler):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.stop = threading.Event()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.stop.set()
        server.shutdown()
        server.server_close()


def smtp(port):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_TIMEOUT=1,  # the worker's short SMTP timeout
    )


def chart(client, course):
    return client.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()


@pytest.mark.parametrize("handler", [Refusing, Silent], ids=["refusing", "silent"])
def test_invite_answers_at_once_saves_once_and_is_sent_when_mail_works(
    world, staff_client, mail_server, handler
):
    client = staff_client(world.one.staff[Role.THERAPIST])
    form = client.get(reverse("intake:invite")).content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f-]{36})"', form).group(1)
    with smtp(mail_server(handler)):
        started = time.monotonic()
        response = invite(client, world, email=EMAIL, request_key=key)
        elapsed = time.monotonic() - started
        assert response.status_code == 302, response.content.decode()[:500]
        assert elapsed < 1, f"the invite took {elapsed:.1f} s"
        course = TreatmentCourse.objects.get(patient__email=EMAIL)
        page = client.get(response["Location"]).content.decode()
        assert "Invitation saved" in page and "Invitation email queued" in page

        # The worker tries: the mail server's failure is recorded, nothing raised.
        outcomes = run_scan(timezone.now())
        assert [o.status for o in outcomes] == ["retry"], outcomes
    reminder = Reminder.objects.get(kind=Kind.INVITATION)
    assert reminder.status == Status.DUE and reminder.attempts == 1 and reminder.last_error
    assert "the mail server refused it, retrying" in chart(client, course)
    assert not mail.outbox

    # The same form sent again (a double click, a retry) answers with the saved patient's
    # chart; a new form for the same email is refused beside the field. Nothing more is saved.
    again = invite(client, world, email=EMAIL, request_key=key)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert "This invitation was already saved" in client.get(again["Location"]).content.decode()
    fresh = invite(client, world, email=EMAIL)
    assert fresh.status_code == 200 and "already exists" in fresh.content.decode()
    assert Patient.objects.filter(email=EMAIL).count() == 1
    assert Invitation.objects.filter(course=course).count() == 1
    assert Reminder.objects.filter(kind=Kind.INVITATION).count() == 1

    # Mail works again (the test backend): the next scan after the backoff sends the link.
    outcomes = run_scan(timezone.now() + timedelta(hours=1))
    assert [o.status for o in outcomes if o.reminder_id == reminder.pk] == ["sent"]
    [message] = mail.outbox
    assert message.to == [EMAIL]
    link = LINK.search(message.body).group(1)
    assert client.get(link).status_code == 200  # the link drawn by the worker opens
    assert "Invitation email sent" in chart(client, course)


def test_an_invitation_whose_mail_failed_for_good_is_resent_from_the_chart(
    world, staff_client, mail_server, settings
):
    settings.REMINDER_MAX_ATTEMPTS = 1
    client = staff_client(world.one.staff[Role.THERAPIST])
    # The mailbox refused (a server that is down only delays it: test above, and
    # tests/clinic/test_emergency_access_outage.py).
    with smtp(mail_server(RefusingRecipient)):
        assert invite(client, world, email=EMAIL).status_code == 302
        [outcome] = run_scan(timezone.now())
    assert outcome.status == "failed"
    course = TreatmentCourse.objects.get(patient__email=EMAIL)
    page = chart(client, course)
    # Beside the button on the course card (and in the timeline below).
    assert page.index("Invitation email failed: resend the invitation") < page.index(
        "Resend invitation"
    )

    response = client.post(reverse("intake:resend-invitation", args=[course.pk]))
    assert response.status_code == 302
    run_scan(timezone.now())
    [message] = mail.outbox
    link = LINK.search(message.body).group(1)
    assert client.get(link).status_code == 200
    assert Invitation.objects.filter(course=course).count() == 2  # the first was replaced
    assert "Invitation email sent" in chart(client, course)


def test_a_send_cut_off_after_the_message_went_over_counts_and_ends_as_failed(
    world, staff_client, mail_server, settings
):
    """Unlike a server that cannot be reached, one that took the message may have delivered
    it: retrying it without end could send it again and again."""
    settings.REMINDER_MAX_ATTEMPTS = 2
    client = staff_client(world.one.staff[Role.THERAPIST])
    with smtp(mail_server(SilentAfterData)):
        assert invite(client, world, email=EMAIL).status_code == 302
        [first] = run_scan(timezone.now())
        [second] = run_scan(timezone.now() + timedelta(hours=1))
    assert (first.status, second.status) == ("retry", "failed")
    reminder = Reminder.objects.get(kind=Kind.INVITATION)
    assert reminder.status == Status.FAILED and reminder.attempts == 2
