"""`manage.py render_report`: the same PDF from the command line, audit-logged too."""

import getpass
import io

import pypdf
import pytest
from django.core.management import CommandError, call_command

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("render_report", *args, stdout=out)
    return out.getvalue()


def test_writes_the_assessment_and_records_who_ran_it(cleared_course, tmp_path):
    target = tmp_path / "assessment.pdf"
    output = run("--kind", "assessment", "--id", str(cleared_course.pk), "--output", str(target))
    assert f"Wrote {target}" in output
    reader = pypdf.PdfReader(target)
    assert reader.metadata.title == f"Suitability assessment: {cleared_course.patient.legal_name}"
    text = "\n".join(page.extract_text() for page in reader.pages)
    label = f"command line ({getpass.getuser()})"
    assert f"by {label}" in text
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.actor is None and event.actor_label == label
    assert event.patient_id == cleared_course.patient_id
    assert event.what == "suitability assessment report (command line)"


def test_by_names_the_staff_member_in_the_footer_and_the_audit(world, cleared_course, tmp_path):
    prescriber = world.one.staff[Role.PRESCRIBER]
    target = tmp_path / "a.pdf"
    run(
        "--kind", "assessment", "--id", str(cleared_course.pk), "--output", str(target),
        "--by", prescriber.user.email.upper(), "--page-size", "Letter",
    )  # fmt: skip
    reader = pypdf.PdfReader(target)
    assert f"by {prescriber}" in reader.pages[0].extract_text()
    assert round(float(reader.pages[0].mediabox.width)) == 612
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.actor == prescriber.user


def test_by_staff_of_another_clinic_is_refused(world, cleared_course, tmp_path):
    with pytest.raises(CommandError, match="There is no treatment course that .* may see"):
        run(
            "--kind", "assessment", "--id", str(cleared_course.pk),
            "--output", str(tmp_path / "a.pdf"), "--by", world.two.staff[Role.NURSE].user.email,
        )  # fmt: skip
    assert not (tmp_path / "a.pdf").exists()


def test_by_a_patient_login_is_refused(world, cleared_course, tmp_path):
    with pytest.raises(CommandError, match="No active clinic staff login"):
        run(
            "--kind", "assessment", "--id", str(cleared_course.pk),
            "--output", str(tmp_path / "a.pdf"), "--by", world.one.patients[0].user.email,
        )  # fmt: skip


def test_unknown_kind_id_and_folder_are_clear_errors(world, cleared_course, tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        run("--kind", "letter", "--id", "1", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="There is no treatment course with id 999999"):
        run("--kind", "assessment", "--id", "999999", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="does not exist"):
        run(
            "--kind", "assessment", "--id", str(cleared_course.pk),
            "--output", str(tmp_path / "missing" / "x.pdf"),
        )  # fmt: skip


def test_course_without_a_submitted_intake_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="has not submitted their intake"):
        run("--kind", "assessment", "--id", str(world.one.courses[0].pk), "--output",
            str(tmp_path / "x.pdf"))  # fmt: skip
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()
