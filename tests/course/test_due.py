"""A due re-evaluation shows on the prescriber's "My day" and in the clinic's daily digest."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.demo.builder import NO_LONG_TERM_HARM
from kapclinic.reminders.digest import digest_counts

from .test_reevaluation import continue_to_maintenance, post_decision, two_session_block

pytestmark = pytest.mark.django_db


def test_my_day_lists_due_reevaluations_for_a_prescriber(team, as_user, world):
    two_session_block(team)
    name = team.course.patient.display_name
    link = reverse("integration:reevaluation", args=[team.course.pk])
    page = as_user(team.prescriber).get(reverse("dosing:day"))
    html = page.content.decode()
    assert "Re-evaluations due" in html and link in html and name in html
    assert "all 2 planned sessions given" in html
    # A therapist's day has no decision of theirs to make.
    html = as_user(team.therapist).get(reverse("dosing:day")).content.decode()
    assert "Re-evaluations due" not in html
    # Signed: it is no longer due.
    continue_to_maintenance(team, rationale="Good.")
    html = as_user(team.prescriber).get(reverse("dosing:day")).content.decode()
    assert "Re-evaluations due" not in html


def test_my_day_runs_a_bounded_number_of_queries(team, as_user, django_assert_max_num_queries):
    two_session_block(team)
    client = as_user(team.prescriber)
    client.get(reverse("dosing:day"))
    with django_assert_max_num_queries(40):
        assert client.get(reverse("dosing:day")).status_code == 200


def test_the_digest_counts_due_reevaluations(team):
    clinic = team.course.clinic
    assert digest_counts(clinic.pk, timezone.now())["reevaluations_due"] == 0
    two_session_block(team)
    counts = digest_counts(clinic.pk, timezone.now())
    assert counts["reevaluations_due"] == 1
    text = render_to_string("reminders/email/digest.txt", {"clinic": clinic, **counts})
    assert "Re-evaluations due (a prescriber signs): 1" in text
    assert team.course.patient.legal_name not in text  # counts only


def test_the_reevaluation_page_shows_the_outcome_and_is_audited(team, as_user):
    two_session_block(team)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    html = as_user(team.therapist).get(url).content.decode()
    assert "Outcome so far" in html and "2 of 2 planned dosing sessions given" in html
    assert "Sign the re-evaluation" not in html  # a therapist reads; a prescriber decides
    assert AccessEvent.objects.filter(what=f"course {team.course.pk} re-evaluation").exists()
    client = as_user(team.prescriber)
    html = client.get(url).content.decode()
    assert "Sign the re-evaluation" in html
    response = post_decision(client, team, **NO_LONG_TERM_HARM)
    assert response.status_code == 302
    team.course.refresh_from_db()
    assert team.course.state == "maintenance"
    html = client.get(url).content.decode()
    assert (
        "Re-evaluations on record" in html and "End of induction (continue to maintenance)" in html
    )


def test_a_therapists_post_is_refused(team, as_user):
    two_session_block(team)
    response = post_decision(as_user(team.therapist), team, **NO_LONG_TERM_HARM)
    assert response.status_code == 422
    assert "Only a prescriber of this clinic may re-evaluate" in response.content.decode()
    team.course.refresh_from_db()
    assert team.course.state == "in_treatment"
