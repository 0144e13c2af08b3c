"""Render once per version: a frozen record's HTML is drawn once and reused from the cache,
a new version shows at once, and no patient ever gets another's fragment."""

from types import SimpleNamespace

import pytest
from django.template import engines
from django.urls import reverse

from kapclinic.clinic.fragments import renders
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import publish_consent

from ..intake.helpers import submitted_course

TEMPLATE = engines["django"].from_string(
    '{% load fragments %}{% fragment "test" record.pk record.version %}'
    "<p>{{ record.text }}</p>{% endfragment %}"
)


def draw(**record):
    return TEMPLATE.render({"record": SimpleNamespace(**record)})


def test_a_fragment_is_reused_for_its_version_and_a_new_version_shows_at_once():
    before = renders["count"]
    assert draw(pk=1, version=1, text="first") == "<p>first</p>"
    # Same record, same version: the kept HTML (what a frozen record would show anyway).
    assert draw(pk=1, version=1, text="changed without a new version") == "<p>first</p>"
    assert renders["count"] == before + 1
    # An edit, an addendum: a new version is a new key, shown at once.
    assert draw(pk=1, version=2, text="second") == "<p>second</p>"
    # Another record never gets this one's fragment, whatever its version.
    assert draw(pk=2, version=2, text="another patient") == "<p>another patient</p>"
    assert renders["count"] == before + 3


def test_fragments_are_escaped_like_the_template():
    assert draw(pk=3, version=1, text="<script>x</script>") == (
        "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    )
    assert draw(pk=3, version=1, text="") == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


@pytest.mark.django_db
def test_intake_review_draws_a_submission_once_and_each_patient_sees_their_own(
    world, client, staff_client
):
    publish_consent(world.one.clinic)
    first = submitted_course(world, client, 0, overrides={"goals": {"goals": "Walk the dog."}})
    second = submitted_course(world, client, 1, overrides={"goals": {"goals": "Sleep again."}})
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])

    start = renders["count"]
    page = prescriber.get(reverse("intake:review", args=[first.pk])).content.decode()
    assert "Walk the dog." in page and renders["count"] == start + 2
    again = prescriber.get(reverse("intake:review", args=[first.pk])).content.decode()
    assert renders["count"] == start + 2  # nothing of the submission drawn again
    assert again.split('id="rules-h"')[1] == page.split('id="rules-h"')[1].replace(
        *csrf_tokens(page, again)
    )

    other = prescriber.get(reverse("intake:review", args=[second.pk])).content.decode()
    assert "Sleep again." in other and "Walk the dog." not in other
    assert renders["count"] == start + 4

    # The access check comes first: another clinic's clinician reads nothing, cached or not.
    outsider = staff_client(world.two.staff[Role.PRESCRIBER])
    assert outsider.get(reverse("intake:review", args=[first.pk])).status_code == 404


def csrf_tokens(*pages):
    """The CSRF token of each page (the decision form's), which differs per response."""
    import re

    return [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', p).group(1) for p in pages]
