"""A course taken through the real intake, review and decision, ready to report on."""

import socket
import threading

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.demo.builder import YES, publish_consent

from ..intake.helpers import CLEAR, submitted_course
from ..risk_helpers import risk_review_data


@pytest.fixture
def consent(world):
    return publish_consent(world.one.clinic)


@pytest.fixture
def submit(world, client, consent):
    """Submit the intake of world.one's patient `index` through the real wizard."""

    def run(index=0, overrides=None):
        return submitted_course(world, client, index, overrides)

    return run


def signer(client, enrol_mfa):
    """Sign a member of staff in on `client`, enrolling their authenticator once."""
    from allauth.mfa.models import Authenticator

    def run(provider):
        if not Authenticator.objects.filter(user=provider.user).exists():
            enrol_mfa(provider.user)
        client.force_login(provider.user)
        return client

    return run


@pytest.fixture
def sign_in(client, enrol_mfa):
    return signer(client, enrol_mfa)


def decider(world, sign_in):
    """The prescriber resolves any open flag (a suicide-risk one by a risk review whose
    formulation is `action_taken`), starts the review and signs `data`."""

    def run(course, data=None, action_taken="Called the patient the same day; safety plan agreed."):
        prescriber = sign_in(world.one.staff[Role.PRESCRIBER])
        for flag in SafetyFlag.objects.filter(course=course, resolved_at__isnull=True):
            if flag.is_suicide_risk:
                response = prescriber.post(
                    reverse("clinic:risk-review", args=[flag.pk]),
                    risk_review_data(formulation=action_taken),
                )
                assert response.status_code == 302, response.content.decode()[:2000]
                continue
            prescriber.post(
                reverse("clinic:resolve-flag", args=[flag.pk]), {"action_taken": action_taken}
            )
        prescriber.post(reverse("intake:review", args=[course.pk]), {"action": "start-review"})
        response = prescriber.post(reverse("intake:review", args=[course.pk]), data or CLEAR)
        assert response.status_code == 302, response.content.decode()[:2000]
        course.refresh_from_db()
        prescriber.logout()
        return course

    return run


@pytest.fixture
def decide(world, sign_in):
    return decider(world, sign_in)


# Trauma history (so PCL-5 too), a glaucoma caution, PHQ-9 item 9 flag.
CLEARED_ANSWERS = {
    "medical": {"glaucoma": YES},
    "psychiatric": {"trauma_history": YES},
    "phq9": {"q9": "1"},
}


@pytest.fixture
def cleared_course(submit, decide):
    """CLEARED_ANSWERS submitted, then cleared."""
    return decide(submit(overrides=CLEARED_ANSWERS))


class Listener:
    """A real TCP server on loopback that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def _serve(self):
        png = bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
        while not self._stop.is_set():
            try:
                conn, address = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    request = conn.recv(4096)
                except OSError:
                    request = b""
                self.connections.append((address, request))
                # Answer like a real server would, so a leaky fetcher would get an image.
                conn.sendall(
                    b"HTTP/1.0 200 OK\r\nContent-Type: image/png\r\nContent-Length: "
                    + str(len(png)).encode()
                    + b"\r\n\r\n"
                    + png
                )

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def team(world):
    """Clinic one's first course and its prescriber, nurse and therapist (the builder's Team)."""
    from kapclinic.demo.builder import Team

    return Team.of(world.one)
