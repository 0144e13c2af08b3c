"""Every entry of the session screen is saved once per rendered form.

A double click, a retry after a network error or a second tab sends the same form (the same
one-time key) again: one row is written, and the second answer shows the entry saved the first
time (409 for a plain post, the saved entry and a fresh form for htmx). Sent at the same
instant from several threads, each on its own PostgreSQL connection, PostgreSQL decides.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection

from kapclinic.clinic.models import FormSubmission, Role
from sessions.models import (
    Addendum,
    AdverseEvent,
    Discharge,
    GateOverride,
    Observation,
    VitalSigns,
)
from tests.concurrency import post_at_once, signed_in_browsers, statuses
from tests.real_services import require_real_service

from .test_session_views import HTMX, discharge_post, local, screen, url, vitals_post

KEY_INPUT = r'name="{prefix}-request_key" value="([0-9a-f-]{{36}})"'


def observation_post(build):
    return {"observation-moaas": "4", "observation-dissociation": "mild"}


def event_post(build):
    return {
        "event-kind": "nausea",
        "event-onset_at": local(build.start + timedelta(minutes=40), build),
        "event-severity": "mild",
        "event-outcome": "resolved",
        "event-relatedness": "probable",
    }


# url name, form prefix, model, the form's data, does it need a dose first
ENTRIES = {
    "vitals": ("record-vitals", "vitals", VitalSigns, vitals_post, False),
    "observation": ("record-observation", "observation", Observation, observation_post, False),
    "adverse-event": ("record-adverse-event", "event", AdverseEvent, event_post, False),
    "discharge": ("discharge", "discharge", Discharge, lambda b: discharge_post(), True),
    "addendum": ("add-addendum", "addendum", Addendum, lambda b: {"addendum-text": "Late."}, False),
}


def prepare(build, kind):
    name, prefix, model, data, needs_dose = ENTRIES[kind]
    if needs_dose:
        build.dose()
        build.recheck()  # discharge needs a reading since the dose
    return url(name, build.session), prefix, model, data(build)


@pytest.fixture
def no_companion(build):
    """A session held only by an overridable check: no companion confirmed."""
    build(companion=False)
    return build


def rows(model, build):
    return model._base_manager.filter(session=build.session).count()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ENTRIES)
def test_the_same_form_sent_twice_saves_one_entry_and_answers_with_it(ready, staff_client, kind):
    target, prefix, model, data = prepare(ready, kind)
    client = staff_client(ready.world.one.staff[Role.PRESCRIBER])
    page = client.get(screen(ready)).content.decode()
    key = re.search(KEY_INPUT.format(prefix=prefix), page).group(1)
    data[f"{prefix}-request_key"] = key

    before = rows(model, ready)
    first = client.post(target, data)
    assert first.status_code == 302
    second = client.post(target, data)
    assert second.status_code == 409
    html = second.content.decode()
    assert "This form was already sent: its" in html and "Nothing new was saved." in html
    assert rows(model, ready) == before + 1
    newest = model._base_manager.filter(session=ready.session).order_by("-pk").first()
    assert FormSubmission.objects.get(key=key).entry_id == newest.pk

    again = client.post(target, data, headers=HTMX)  # htmx does not swap a 409: 200 and notice
    assert again.status_code == 200 and "Nothing new was saved." in again.content.decode()
    assert rows(model, ready) == before + 1


@pytest.mark.django_db
def test_each_rendered_form_has_its_own_key_and_a_new_key_writes_a_new_entry(ready, staff_client):
    client = staff_client(ready.world.one.staff[Role.NURSE])
    before = VitalSigns.objects.count()
    pattern = KEY_INPUT.format(prefix="vitals")
    first = re.findall(pattern, client.get(screen(ready)).content.decode())
    second = re.findall(pattern, client.get(screen(ready)).content.decode())
    assert len(first) == 1 and len(second) == 1 and first != second
    for key in (*first, *second):
        client.post(url("record-vitals", ready.session), vitals_post(ready, request_key=key))
    assert VitalSigns.objects.count() == before + 2


@pytest.mark.django_db
def test_a_refused_entry_leaves_its_key_free_for_the_corrected_form(ready, staff_client):
    client = staff_client(ready.world.one.staff[Role.NURSE])
    key = str(uuid.uuid4())
    target = url("record-vitals", ready.session)
    before = VitalSigns.objects.count()
    refused = client.post(target, vitals_post(ready, systolic=20, request_key=key))
    assert refused.status_code == 200 and VitalSigns.objects.count() == before
    assert f'value="{key}"' in refused.content.decode()  # the re-shown form keeps its key
    assert client.post(target, vitals_post(ready, request_key=key)).status_code == 302
    assert VitalSigns.objects.count() == before + 1


THREADS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ENTRIES)
def test_the_same_form_sent_at_the_same_instant_saves_one_entry(ready, enrol_mfa, kind):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    target, prefix, model, data = prepare(ready, kind)
    data[f"{prefix}-request_key"] = str(uuid.uuid4())
    before = rows(model, ready)
    prescriber = ready.world.one.staff[Role.PRESCRIBER].user
    enrol_mfa(prescriber)
    answers = post_at_once(signed_in_browsers(prescriber, THREADS), target, data)

    assert rows(model, ready) == before + 1
    codes = sorted(code for code, _ in answers)
    assert codes == [302] + [409] * (THREADS - 1), [a[:1] for a in answers]
    assert all("Nothing new was saved." in html for code, html in answers if code == 409)


OVERRIDE = {"override-reason": "Partner collects at 4pm."}


@pytest.mark.django_db
def test_the_same_override_sent_twice_records_one_override(no_companion, staff_client):
    client = staff_client(no_companion.world.one.staff[Role.PRESCRIBER])
    page = client.get(screen(no_companion)).content.decode()
    key = re.search(KEY_INPUT.format(prefix="override"), page).group(1)
    target = url("override-gate", no_companion.session)
    data = OVERRIDE | {"override-request_key": key}
    assert client.post(target, data).status_code == 302
    second = client.post(target, data)
    assert second.status_code == 409 and "Nothing new was saved." in second.content.decode()
    assert GateOverride.objects.filter(session=no_companion.session).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_override_sent_at_the_same_instant_records_one(no_companion, enrol_mfa):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    prescriber = no_companion.world.one.staff[Role.PRESCRIBER].user
    enrol_mfa(prescriber)
    data = OVERRIDE | {"override-request_key": str(uuid.uuid4())}
    target = url("override-gate", no_companion.session)
    codes = statuses(post_at_once(signed_in_browsers(prescriber, THREADS), target, data))
    assert GateOverride.objects.filter(session=no_companion.session).count() == 1
    assert sorted(codes) == [302] + [409] * (THREADS - 1), codes
