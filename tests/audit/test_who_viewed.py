"""A patient sees which staff opened, changed or copied their record, and when."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.plain import subject
from kapclinic.clinic.models import Role

pytestmark = pytest.mark.django_db

URL = reverse("audit:who-viewed")
UTC = datetime.UTC


def event(actor, patient, action, what, at, actor_label=None):
    row = AccessEvent(
        actor=actor,
        actor_label=actor_label or (actor.email if actor else "anonymous"),
        patient=patient,
        action=action,
        what=what,
        at=at,
    )
    row.save()
    return row


def test_patient_sees_staff_views_changes_and_copies_newest_first_in_clinic_time(world, client):
    one = world.one
    one.clinic.time_zone = "America/New_York"
    one.clinic.save()
    patient, other = one.patients
    therapist, prescriber = one.staff[Role.THERAPIST], one.staff[Role.PRESCRIBER]
    nurse = one.staff[Role.NURSE]
    for provider, credentials in ((prescriber, "MD"), (therapist, "LCSW"), (nurse, "")):
        provider.credentials = credentials
        provider.save()
    day = datetime.datetime(2026, 3, 2, 15, 5, tzinfo=UTC)  # 10:05 in New York
    event(therapist.user, patient, "view", "patient chart", day)
    event(
        prescriber.user, patient, "export", "course summary report (download)", day.replace(hour=16)
    )
    event(nurse.user, patient, "create", "dosing session 4: dose 7 recorded", day.replace(hour=17))
    # Not for this page: the patient's own action, a server job, a refused attempt, another
    # patient's record.
    event(patient.user, patient, "change", "journal entry 3 shared", day.replace(hour=18))
    event(None, patient, "export", "assessment report (command line)", day, actor_label="ops")
    event(world.two.staff[Role.PRESCRIBER].user, patient, "denied", "patient chart", day)
    event(therapist.user, other, "view", "patient chart", day)

    client.force_login(patient.user)
    response = client.get(URL)

    assert response.status_code == 200
    shown = [(a.name, a.role, a.did) for a in response.context["accesses"]]
    assert shown == [
        (nurse.user.get_full_name(), "Nurse", "Added to your treatment session record"),
        (
            f"{prescriber.user.get_full_name()}, MD",
            "Prescriber",
            "Took a copy of a report from your record",
        ),
        (f"{therapist.user.get_full_name()}, LCSW", "Therapist", "Viewed your chart"),
    ]
    page = response.content.decode()
    assert "Monday 2 March 2026, 10:05" in page
    assert world.two.staff[Role.PRESCRIBER].user.get_full_name() not in page
    assert "ops" not in [a.name for a in response.context["accesses"]]


def test_the_patient_finds_the_page_from_their_navigation(world, client):
    client.force_login(world.one.patients[0].user)
    page = client.get(reverse("clinic:my-journey")).content.decode()
    assert f'href="{URL}"' in page and "Who viewed my record" in page


def test_pages_of_history_cost_the_same_queries_however_long_the_history(world, client):
    patient = world.one.patients[0]
    staff = list(world.one.staff.values())
    start = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    client.force_login(patient.user)

    def queries_for_page(page):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"page": page})
        assert response.status_code == 200
        return len(captured), response

    for n in range(3):
        event(staff[n].user, patient, "view", "patient chart", start + datetime.timedelta(hours=n))
    few, _ = queries_for_page(1)

    for n in range(3, 60):
        who = staff[n % len(staff)].user
        event(who, patient, "view", "patient chart", start + datetime.timedelta(hours=n))
    many, response = queries_for_page(1)
    last, last_page = queries_for_page(3)

    assert many == few == last
    assert response.context["page_obj"].paginator.num_pages == 3
    assert len(response.context["accesses"]) == 25
    newest = response.context["accesses"][0].at
    assert newest == start + datetime.timedelta(hours=59)
    assert len(last_page.context["accesses"]) == 10
    assert "Older" in response.content.decode() and "Newer" in last_page.content.decode()


def test_staff_cannot_open_the_patients_page(world, staff_client):
    client = staff_client(world.one.staff[Role.THERAPIST])
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("what", "words"),
    [
        ("course 3: Awaiting review → Cleared", "your treatment course"),
        ("safety flag raised: Intake PHQ-9", "a safety check on your record"),
        (
            "course 3 outcomes and shared journal entries",
            "your progress and the journal entries you shared",
        ),
        ("dosing session 4: pre-dose checks overridden (bp)", "your pre-dose safety checks"),
        ("dosing session booked: appointment 9", "your appointments"),
        ("integration note 2 signed", "your integration session notes"),
        (
            "admin: changed patient #5 (Phone)",
            "your record, in the clinic's administration screens",
        ),
        ("something new", "your record"),
    ],
)
def test_each_kind_of_access_reads_in_plain_words(what, words):
    assert subject(what) == words
