"""Holes the hostile-input fuzzing found, each pinned by the request that opened it."""

import pytest
from django.urls import reverse

from intake.models import IntakeRecord
from integration import services as integration_services

pytestmark = pytest.mark.django_db


def test_intake_draft_with_a_nul_character_is_kept_without_it(client, world):
    """PostgreSQL jsonb refuses NUL; the draft used to fail with a 500 (DataError)."""
    course = world.one.courses[0]
    course.start_intake(course.patient.user)
    client.force_login(course.patient.user)

    response = client.post(
        reverse("intake:step", args=["about"]),
        {"preferred_name": "Ro\x00bin", "leave": "\x00", "date_of_birth": "2026-02-30"},
    )

    assert response.status_code in (200, 302)
    draft = IntakeRecord.objects.get(course=course).drafts["about"]
    assert draft["preferred_name"] == "Robin"


@pytest.mark.parametrize(
    "next_value", ['"><img src=x onerror=alert(1)>', "journal", "//evil.example"]
)
def test_sharing_a_journal_entry_ignores_a_next_that_is_not_a_path_here(client, world, next_value):
    """A bare word in `next` was taken for a URL name by redirect(): NoReverseMatch, a 500."""
    course = world.one.courses[0]
    entry = integration_services.write_journal_entry(course.patient.user, course, "Calm.").entry
    client.force_login(course.patient.user)

    response = client.post(
        reverse("integration:share-entry", args=[entry.pk]), {"next": next_value}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("integration:journal"))


def test_resolving_a_flag_ignores_a_next_that_is_not_a_path_here(client, world, enrol_mfa):
    """The same redirect() trap on the chart's "resolve flag" form: a 500 before the fix."""
    from kapclinic.clinic.models import Role, SafetyFlag

    course = world.one.courses[0]
    flag, _ = SafetyFlag.raise_for(course, source="Check-in PHQ-9", reason="Item 9 above 0.")
    therapist = world.one.staff[Role.THERAPIST].user
    enrol_mfa(therapist)
    client.force_login(therapist)

    response = client.post(
        reverse("clinic:resolve-flag", args=[flag.pk]),
        {"action_taken": "Called; safety plan agreed.", "next": '"><img src=x onerror=alert(1)>'},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:patient-chart", args=[course.patient.pk])
