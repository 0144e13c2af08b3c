"""PostgreSQL connection lost mid-shift: no acknowledged write lost, no write behind an error,
recovery without a restart (issue 22). The test cuts its own server connection
(pg_terminate_backend) at chosen moments of a real vitals entry."""

import psycopg2
import pytest
from django.db import close_old_connections, connection, transaction
from django.db.models.signals import post_save
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.demo.builder import Build
from sessions.models import VitalSigns
from tests.real_services import require_real_service
from tests.sessions.test_session_views import HTMX, screen, url, vitals_post

pytestmark = pytest.mark.django_db(transaction=True)


def cut_connection():
    """Terminate this process's PostgreSQL connection from another one, as a failover does."""
    pid = connection.connection.get_backend_pid()
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


def request_boundary():
    """What Django's handler does between two requests (the test client skips it): drop a
    connection that failed, or one its health check finds dead (CONN_HEALTH_CHECKS)."""
    close_old_connections()


@pytest.fixture
def ready(world):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    build = Build(world)
    build()
    return build


@pytest.fixture
def cut_when_vitals_saved():
    """Cut the connection when a vitals row is written: before or right after its commit."""
    moments = []

    def receiver(sender, instance, created, **kwargs):
        if not created or not moments:
            return
        if moments[0] == "after commit":
            transaction.on_commit(cut_connection)
        else:
            cut_connection()

    post_save.connect(receiver, sender=VitalSigns, dispatch_uid="test-cut-connection")
    yield moments
    post_save.disconnect(sender=VitalSigns, dispatch_uid="test-cut-connection")
    connection.close()  # the test database is emptied on a fresh connection


def test_connection_lost_right_after_a_vitals_entry_commits_answers_what_was_saved(
    ready, staff_client, cut_when_vitals_saved
):
    client = staff_client(ready.world.one.staff[Role.NURSE])
    before = VitalSigns.objects.count()
    client.raise_request_exception = False  # answer as a server would, not re-raise
    cut_when_vitals_saved.append("after commit")
    response = client.post(url("record-vitals", ready.session), vitals_post(ready), headers=HTMX)
    assert response.status_code == 200
    assert "Saved: vital signs" in response.content.decode()
    assert "Do not enter it again" in response.content.decode()
    request_boundary()
    assert VitalSigns.objects.count() == before + 1
    # The next request finds a fresh connection by itself.
    assert client.get(screen(ready)).status_code == 200


def test_connection_lost_before_the_commit_saves_nothing_and_says_so(
    ready, staff_client, cut_when_vitals_saved
):
    client = staff_client(ready.world.one.staff[Role.NURSE])
    before = VitalSigns.objects.count()
    cut_when_vitals_saved.append("before commit")
    client.raise_request_exception = False
    response = client.post(url("record-vitals", ready.session), vitals_post(ready), headers=HTMX)
    assert response.status_code == 500
    assert "Saved" not in response.content.decode()
    request_boundary()
    assert VitalSigns.objects.count() == before  # an error page, and truly nothing written
    assert client.get(screen(ready)).status_code == 200


def test_a_connection_lost_between_requests_is_replaced_without_an_error(ready, staff_client):
    client = staff_client(ready.world.one.staff[Role.NURSE])
    assert client.get(reverse("clinic:caseload")).status_code == 200
    cut_connection()
    request_boundary()
    assert client.get(reverse("clinic:caseload")).status_code == 200
    before = VitalSigns.objects.count()
    cut_connection()
    request_boundary()
    response = client.post(url("record-vitals", ready.session), vitals_post(ready), headers=HTMX)
    assert response.status_code == 200 and VitalSigns.objects.count() == before + 1
