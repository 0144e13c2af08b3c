"""Moving a course to integration ends its dosing (only a prescriber's re-evaluation resumes
it), so it is a page with a reason kept in the course's history, not one click on the chart
(walk)."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import CourseState, JourneyError, Role

pytestmark = pytest.mark.django_db

REASON = "Six sessions given; PHQ-9 in remission. Integration sessions continue monthly."


def test_the_transition_needs_a_reason_and_keeps_it(in_treatment):
    course = in_treatment.course
    with pytest.raises(JourneyError, match="A reason is required"):
        course.begin_integration(in_treatment.therapist, "  ")
    course.refresh_from_db()
    assert course.state == CourseState.IN_TREATMENT
    course.begin_integration(in_treatment.therapist, REASON)
    course.refresh_from_db()
    assert course.state == CourseState.INTEGRATION
    assert course.events.last().note == REASON


def test_the_chart_offers_a_page_not_a_one_click_move(in_treatment, world, staff_client):
    course = in_treatment.course
    client = staff_client(world.one.staff[Role.THERAPIST])
    url = reverse("integration:begin-integration", args=[course.pk])
    chart = client.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()
    assert f'href="{url}"' in chart and f'action="{url}"' not in chart
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dosing ends" in html and 'name="reason"' in html


def test_a_missing_reason_is_said_beside_the_field_and_nothing_moves(
    in_treatment, world, staff_client
):
    course = in_treatment.course
    client = staff_client(world.one.staff[Role.THERAPIST])
    url = reverse("integration:begin-integration", args=[course.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    course.refresh_from_db()
    assert course.state == CourseState.IN_TREATMENT
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.state == CourseState.INTEGRATION
    assert course.events.last().note == REASON
