"""Issue 14: the session note shows each pre-dose override with the values it accepted,
who wrote it, when and why."""

from datetime import timedelta

import pytest

from kapclinic.reports.kinds import KINDS
from sessions.gate_overrides import override_gate
from tests.sessions.conftest import Build

from .pdf import pdf_text, squeezed

pytestmark = pytest.mark.django_db


def test_the_note_shows_each_override_with_the_reading_it_accepted(world):
    build = Build(world)
    session = build()
    build.vitals(session, build.start + timedelta(minutes=8), systolic=152, diastolic=96)
    override_gate(session, build.prescriber, "Anxious at arrival <b>; home BP normal.")
    build.vitals(session, build.start + timedelta(minutes=10), systolic=158, diastolic=97)
    override_gate(session, build.prescriber, "Rechecked; still acceptable.")
    build.dose(session)
    text = squeezed(pdf_text(KINDS["session"].render(session, generated_by="Dr Report Tester").pdf))
    for phrase in (
        f"Override by {build.prescriber}",
        "Accepted these failing values, and no others",
        "Systolic BP 152 mmHg is above the limit of 140 mmHg",
        "Systolic BP 158 mmHg is above the limit of 140 mmHg",
        "Anxious at arrival <b>; home BP normal.",
        "Rechecked; still acceptable.",
    ):
        assert squeezed(phrase) in text, phrase
