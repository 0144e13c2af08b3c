"""Risk follow-up tasks: on the owner's day and digest; overdue ones go to the prescribers.

The escalation is planned by the reminders scan (never mail inside a request) and names no
clinical detail (issue 15).
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from kapclinic.clinic import risk
from kapclinic.clinic.models import Provider, Role
from kapclinic.reminders.models import Kind, Reminder, Status
from tests.factories import ProviderFactory

from .conftest import at, run_scan

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def task(world):
    side = world.one
    return risk.create_follow_up_task(
        side.courses[0],
        side.staff[Role.PRESCRIBER].user,
        risk.TaskRequest(
            owner=side.staff[Role.NURSE],
            description="Call the patient about the safety plan.",
            due_at=at(2030, 6, 3, 17, 0),
        ),
    )


def escalations():
    return Reminder.objects.filter(kind=Kind.FOLLOW_UP_OVERDUE)


def test_an_overdue_follow_up_task_escalates_to_the_clinics_prescribers(world, task):
    second = ProviderFactory(clinic=world.one.clinic, role=Role.PRESCRIBER)
    run_scan(at(2030, 6, 3, 16, 59))
    assert not escalations().exists(), "not before it is due"
    run_scan(at(2030, 6, 3, 17, 1))
    row = escalations().get()
    assert row.status == Status.SENT and row.subject_id == task.pk and row.patient_id is None
    message = next(m for m in mail.outbox if m.subject.startswith("Action needed: overdue"))
    prescribers = Provider.objects.filter(clinic=world.one.clinic, role=Role.PRESCRIBER)
    assert sorted(message.to) == sorted(p.user.email for p in prescribers)
    assert second.user.email in message.to
    assert world.one.staff[Role.NURSE].user.email not in message.to
    assert "safety plan" not in message.body and task.course.patient.legal_name not in message.body
    run_scan(at(2030, 6, 4, 17, 1))
    assert escalations().count() == 1, "escalated once"


def test_a_task_closed_before_the_scan_is_not_escalated(world, task):
    risk.close_follow_up_task(task, world.one.staff[Role.NURSE].user, "Called; plan reviewed.")
    run_scan(at(2030, 6, 3, 18, 0))
    assert not escalations().exists()


def test_a_task_closed_between_planning_and_sending_is_skipped(world, task):
    from kapclinic.reminders import planner, services

    planner.plan_all(at(2030, 6, 3, 18, 0))
    risk.close_follow_up_task(task, world.one.staff[Role.NURSE].user, "Called.")
    ids, lease = services.claim_due(at(2030, 6, 3, 18, 1))
    outcomes = [services.deliver(pk, lease, now=at(2030, 6, 3, 18, 1)) for pk in ids]
    assert ("skipped", "the follow-up task was closed") in {(o.status, o.detail) for o in outcomes}


def test_the_owners_digest_counts_their_tasks(world, task):
    run_scan(at(2030, 6, 3, 6, 30))  # 07:30 BST, the digest time
    nurse = world.one.staff[Role.NURSE].user.email
    message = next(m for m in mail.outbox if m.to == [nurse] and "daily summary" in m.subject)
    assert "Your follow-up tasks due today or overdue: 1" in message.body
    therapist = world.one.staff[Role.THERAPIST].user.email
    other = next(m for m in mail.outbox if m.to == [therapist])
    assert "Your follow-up tasks due today or overdue: 0" in other.body


def test_the_task_is_on_the_owners_day_and_closes_with_an_outcome(world, staff_client):
    side = world.one
    task = risk.create_follow_up_task(
        side.courses[0],
        side.staff[Role.PRESCRIBER].user,
        risk.TaskRequest(owner=side.staff[Role.NURSE], description="Call tonight."),
    )
    client = staff_client(side.staff[Role.NURSE])
    page = client.get(reverse("dosing:day")).text
    assert "Call tonight." in page and "Close task" in page
    client.post(reverse("clinic:close-task", args=[task.pk]), {"outcome": ""})
    task.refresh_from_db()
    assert task.is_open
    client.post(reverse("clinic:close-task", args=[task.pk]), {"outcome": "Called; safe."})
    task.refresh_from_db()
    assert not task.is_open and task.outcome == "Called; safe."
    assert "Call tonight." not in client.get(reverse("dosing:day")).text
