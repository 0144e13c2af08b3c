"""Hostile input: every form answers a form error or success, never a 500 (issue 9).

Each form the pages show (see fuzzing.py) gets hypothesis-made POSTs as the role that sees
it: huge strings, control characters, bidi and zero-width marks, markup, template and SQL
fragments, impossible dates, times and numbers, missing and doubled fields, mixed with good
values so deeper validation is reached. Runs are derandomized: CI sees the same examples every
time, so a red build is a real regression and not bad luck; a new hostile value belongs in
hostile.py. KAP_FUZZ_EXAMPLES raises the examples per form for a longer local hunt.
"""

import os

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import CommittingClient, _clinic_world

from .fuzzing import (
    BLIND,
    NO_FORM,
    NOT_FUZZED,
    STATES,
    blind_form,
    discover,
    fuzz,
    known_values,
    posted_urls,
    read_forms,
)
from .scene import build_scene, sign_in_everyone

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KAP_FUZZ_EXAMPLES", "16"))


def _enrol(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


@pytest.fixture(scope="module")
def stage(django_db_setup, django_db_blocker):
    """One scene for the whole module; each test and each example runs in a savepoint in it."""
    from types import SimpleNamespace

    with django_db_blocker.unblock(), transaction.atomic():
        world = SimpleNamespace(one=_clinic_world("North clinic"), two=_clinic_world("South"))
        scene = build_scene(world)
        clients = sign_in_everyone(scene, _enrol)
        found = discover(scene, clients)
        yield SimpleNamespace(scene=scene, clients=clients, found=found)
        transaction.set_rollback(True)


def test_urls_left_out_of_the_fuzzing_exist_and_say_why():
    """NO_FORM names real POST targets; every URL left out carries its reason."""
    posted = set(posted_urls())
    for name in NO_FORM:
        assert name in posted, f"{name} is no longer a POST target: remove it from NO_FORM"
    for name, reason in {**NO_FORM, **NOT_FUZZED}.items():
        assert len(reason) > 20, name


@pytest.mark.parametrize(
    "name", [name for name in posted_urls() if name not in NO_FORM and name not in NOT_FUZZED]
)
def test_every_form_answers_hostile_input_without_a_server_error(name, stage):
    found = {k: v for k, v in stage.found.items() if k[0] == name}
    if not found and name in STATES:
        role, page = STATES[name](stage.scene, stage.clients)
        read_forms(stage.clients[role], page, found, role)
        found = {k: v for k, v in found.items() if k[0] == name}
    if not found and name in BLIND:
        found = {(name, None): blind_form(stage.scene, name)}
    assert found, (
        f"{name}: no page shows a form that posts here. Add a state to fuzzing.STATES that "
        "brings it out, or list it in NO_FORM with the reason."
    )
    today = timezone.localdate(timezone=stage.scene.clinic.tz)
    # The wizards' many steps share the budget of one form, with a floor per step.
    examples = EXAMPLES if len(found) == 1 else max(6, 3 * EXAMPLES // len(found))
    for _key, (role, form) in sorted(found.items(), key=str):
        fuzz(stage.clients[role], form, known_values(stage.scene, name), today, examples)


def test_stored_hostile_text_renders_escaped_in_pages_and_pdfs(stage):
    """Markup typed into any free-text field is shown as text: escaped in HTML, literal in PDFs."""
    from django.urls import reverse

    from tests.reports.pdf import pdf_text, squeezed

    from .fuzzing import escaped, pages_shown, post_payloads, stored_tags
    from .hostile import RAW_MARKUP

    scene = stage.scene
    tags = post_payloads(stage, timezone.localdate(timezone=scene.clinic.tz))
    stored = stored_tags(tags)
    assert len(stored) >= 10, f"only {sorted(tags[t] for t in stored)} stored the payload"

    seen_in_html = set()
    for role, path, html in pages_shown(stage):
        raw = [m for m in RAW_MARKUP if m in html]
        assert not raw, f"{path} as {role} shows unescaped {raw}"
        seen_in_html |= {tag for tag in stored if escaped(tag) in html}

    seen_in_pdf = set()
    # A fresh sign-in: the pass above posts allauth's forms too, which may end sessions.
    prescriber = CommittingClient()
    prescriber.force_login(scene.prescriber.user)
    for name, pk in (
        ("reports:session-note", scene.session_a.pk),
        ("reports:course-summary", scene.course_a.pk),
    ):
        response = prescriber.get(reverse(name, args=[pk]))
        assert response.status_code == 200, (name, response.status_code, response.get("Location"))
        text = squeezed(pdf_text(b"".join(response.streaming_content)))
        for tag in stored:
            if f'alert("{tag}")' in text:
                # Rendered as HTML the script element would vanish from the text.
                assert squeezed(f'<script>alert("{tag}")</script>') in text, (name, tags[tag])
                seen_in_pdf.add(tag)
    print(
        f"\nEscaping: {len(tags)} free-text fields, {len(stored)} stored, "
        f"{len(seen_in_html)} shown escaped in pages, {len(seen_in_pdf)} literal in PDFs; "
        f"never shown: {sorted(tags[t] for t in stored - seen_in_html - seen_in_pdf)}"
    )
    assert seen_in_html and seen_in_pdf
