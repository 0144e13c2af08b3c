"""The risk review, the psychiatric review and a safety-plan version are saved once per
rendered form: a double click, a retry after a network error or a second tab posting the same
form writes nothing new and answers with what the first send saved (issue 22)."""

import re
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from kapclinic.clinic import risk
from kapclinic.clinic.models import PsychiatricReview, RiskReview, Role, SafetyPlan
from kapclinic.clinic.submissions import AlreadySaved
from tests.concurrency import at_once
from tests.real_services import require_real_service
from tests.samples import SAFETY_PLAN as PLAN

from . import test_risk_review
from .test_risk_review import INTENT, form_data

side = test_risk_review.side  # the fixture: a suicide-risk flag on clinic one's first course
KEY = re.compile(r'name="request_key" value="([0-9a-f-]{36})"')


def key_on(client, url):
    keys = KEY.findall(client.get(url).text)
    assert keys, "the form carries a one-time key"
    return keys[-1]


@pytest.mark.django_db
def test_the_risk_review_sent_twice_resolves_the_flag_once(side, staff_client):
    client = staff_client(side.staff[Role.THERAPIST])
    url = reverse("clinic:risk-review", args=[side.flag.pk])
    data = form_data(request_key=key_on(client, url))
    assert client.post(url, data).status_code == 302
    second = client.post(url, data)
    assert second.status_code == 409
    assert "This form was already sent" in second.text and "Nothing new was saved." in second.text
    assert "Close to her sister." in second.text  # the review saved the first time
    assert RiskReview.objects.filter(flag=side.flag).count() == 1


@pytest.mark.django_db
def test_the_safety_plan_sent_twice_is_one_version(side, staff_client):
    client = staff_client(side.staff[Role.THERAPIST])
    url = reverse("clinic:safety-plan", args=[side.courses[0].pk])
    data = {**PLAN, "written_with_patient": "on", "request_key": key_on(client, url)}
    assert client.post(url, data).status_code == 302
    second = client.post(url, data)
    assert second.status_code == 409 and "Nothing new was saved." in second.text
    assert list(SafetyPlan.objects.values_list("version", flat=True)) == [1]
    # A fresh render draws a fresh key: the next change is version 2.
    data = {**data, "request_key": key_on(client, url), "warning_signs": "Not eating."}
    assert client.post(url, data).status_code == 302
    assert SafetyPlan.objects.count() == 2


@pytest.mark.django_db
def test_the_psychiatric_review_sent_twice_is_recorded_once(side, staff_client):
    prescriber = side.staff[Role.PRESCRIBER]
    review = risk.review_risk_flag(
        side.flag,
        prescriber.user,
        screen_answers=INTENT,
        protective_factors="Sister.",
        formulation="Intent without a plan.",
        decision="pause_dosing",
        safety_plan_made=True,
    )
    client = staff_client(prescriber)
    key = key_on(client, reverse("clinic:risk-review", args=[side.flag.pk]))
    url = reverse("clinic:psychiatric-review", args=[review.pk])
    data = {
        "findings": "Seen today; safe to resume.",
        "dosing_may_resume": "on",
        "request_key": key,
    }
    client.post(url, data)
    page = client.post(url, data, follow=True)
    assert "Nothing new was saved." in page.text
    assert PsychiatricReview.objects.filter(risk_review=review).count() == 1


THREADS = 4


@pytest.mark.django_db(transaction=True)
def test_the_same_risk_review_and_plan_sent_at_the_same_instant_save_once(side):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    therapist = side.staff[Role.THERAPIST].user
    review_key, plan_key = uuid.uuid4(), uuid.uuid4()
    outcomes = []

    def send(index):
        try:
            if index % 2:
                risk.save_safety_plan(side.courses[0], therapist, {**PLAN, "request_key": plan_key})
            else:
                risk.review_risk_flag(
                    side.flag,
                    therapist,
                    screen_answers={"q1": 1, "q2": 0, "q6": 0},
                    protective_factors="Sister.",
                    formulation="Passive thoughts.",
                    decision="continue",
                    safety_plan_made=True,
                    request_key=review_key,
                )
            outcomes.append("saved")
        except AlreadySaved:
            outcomes.append("already saved")

    at_once(send, THREADS)
    assert sorted(outcomes) == ["already saved"] * 2 + ["saved"] * 2
    assert RiskReview.objects.filter(flag=side.flag).count() == 1
    assert SafetyPlan.objects.count() == 1
