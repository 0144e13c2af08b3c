"""Shared journal entries are reachable from the chart whenever the patient shared them."""

import pytest
from django.urls import reverse

from integration import services
from kapclinic.demo.builder import clear_course

pytestmark = pytest.mark.django_db


def test_a_shared_entry_is_reachable_from_the_chart_before_treatment(team, staff_client):
    clear_course(team.course, team.prescriber)  # cleared, not yet in treatment
    services.write_journal_entry(team.patient, team.course, "Nervous but hopeful.", share=True)
    therapist = staff_client(team.therapist.provider)

    chart = therapist.get(reverse("clinic:patient-chart", args=[team.course.patient_id]))
    link = reverse("integration:outcomes", args=[team.course.pk]) + "#journal-h"
    assert f'href="{link}"' in chart.content.decode()

    page = therapist.get(link.split("#")[0])
    assert page.status_code == 200
    assert "Nervous but hopeful." in page.content.decode()


def test_no_journal_link_while_nothing_is_shared(team, staff_client):
    clear_course(team.course, team.prescriber)
    services.write_journal_entry(team.patient, team.course, "Only for me.")
    therapist = staff_client(team.therapist.provider)
    chart = therapist.get(reverse("clinic:patient-chart", args=[team.course.patient_id]))
    assert "#journal-h" not in chart.content.decode()
