"""Ten "Record dose" requests for the same form at once record exactly one dose.

Real PostgreSQL, real view, ten threads each with its own database connection. The
requests are serialised by the session's row lock (select_for_update in the service); the
one-time key of the form is then found already used, and a unique constraint on
(session, request_key) would refuse a second row even without the lock.
"""

import uuid

import pytest
from django.db import IntegrityError, transaction

from kapclinic.clinic.models import Role
from sessions.models import Administration
from tests.concurrency import post_at_once, signed_in_browsers

from .test_session_views import dose_post, url

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


def test_ten_concurrent_identical_dose_requests_record_one_dose(ready, enrol_mfa):
    prescriber = ready.world.one.staff[Role.PRESCRIBER].user
    enrol_mfa(prescriber)
    data = dose_post(ready, request_key=str(uuid.uuid4()))
    target = url("record-dose", ready.session)
    answers = post_at_once(signed_in_browsers(prescriber, THREADS), target, data)

    assert Administration.objects.filter(session=ready.session).count() == 1
    codes = sorted(code for code, _ in answers)
    assert codes == [302] + [409] * (THREADS - 1), answers
    for code, html in answers:
        if code == 409:
            assert "This dose was already recorded at" in html
            assert "Nothing new was saved" in html


def test_the_database_refuses_a_second_row_for_the_same_form(ready):
    dose = ready.dose(request_key=uuid.uuid4())
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.bulk_create(
            [
                Administration(
                    **{
                        field.attname: getattr(dose, field.attname)
                        for field in Administration._meta.concrete_fields
                        if field.name != "id"
                    }
                )
            ]
        )
