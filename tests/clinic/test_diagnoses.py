"""Diagnoses: picked from the shipped ICD-10-CM list, added by prescribers and therapists,
entered in error rather than deleted, shown on the chart and in the course summary."""

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import icd10
from kapclinic.clinic.diagnoses import DiagnosisError, add_diagnosis, enter_in_error
from kapclinic.clinic.models import Diagnosis, Role
from kapclinic.reports.course_summary import build_context

pytestmark = pytest.mark.django_db


def test_the_shipped_list_names_its_source_and_holds_the_kap_codes():
    header = icd10.DATA_FILE.read_text(encoding="utf-8").split("\nF", 1)[0]
    assert "CDC" in header and "public domain" in header
    assert icd10.version().startswith("ICD-10-CM FY")
    entries = icd10.codes()
    for code in ("F41.1", "F33.1", "F43.10", "F42.2", "F10.20", "I10"):
        assert code in entries, code
    assert entries["F43.10"].description == "Post-traumatic stress disorder, unspecified"
    assert icd10.lookup("f41.1 Generalized anxiety disorder").code == "F41.1"
    assert [c.code for c in icd10.search("stress disorder chronic")] == ["F43.12"]


def test_prescribers_and_therapists_diagnose_from_the_list_only(world):
    side = world.one
    course = side.courses[0]
    first = add_diagnosis(course, side.staff[Role.THERAPIST].user, "F41.1")
    assert first.primary  # the first is the primary until another is chosen
    second = add_diagnosis(course, side.staff[Role.PRESCRIBER].user, "F33.1", primary=True)
    first.refresh_from_db()
    assert second.primary and not first.primary
    assert second.description == "Major depressive disorder, recurrent, moderate"
    for user in (
        side.staff[Role.NURSE].user,
        side.staff[Role.CLINIC_ADMIN].user,
        world.two.staff[Role.PRESCRIBER].user,
        course.patient.user,
    ):
        with pytest.raises(DiagnosisError):
            add_diagnosis(course, user, "F43.10")
    with pytest.raises(DiagnosisError, match="ICD-10-CM list"):
        add_diagnosis(course, side.staff[Role.PRESCRIBER].user, "Z99.99 made up")
    with pytest.raises(DiagnosisError, match="already"):
        add_diagnosis(course, side.staff[Role.PRESCRIBER].user, "F41.1")
    assert Diagnosis.objects.filter(course=course).count() == 2
    assert AccessEvent.objects.filter(
        patient_id=course.patient_id, what=f"diagnosis F33.1 added, course {course.pk}"
    ).exists()


def test_entered_in_error_is_kept_with_its_reason_and_leaves_the_summary(world):
    side = world.one
    course = side.courses[0]
    prescriber = side.staff[Role.PRESCRIBER].user
    wrong = add_diagnosis(course, prescriber, "F43.10")
    with pytest.raises(DiagnosisError):
        enter_in_error(wrong, prescriber, "  ")
    enter_in_error(wrong, prescriber, "Wrong patient's history.")
    wrong.refresh_from_db()
    assert not wrong.in_force and wrong.entered_in_error_reason == "Wrong patient's history."
    with pytest.raises(DiagnosisError):
        enter_in_error(wrong, prescriber, "Again.")
    add_diagnosis(course, prescriber, "F43.10")  # may be added again, correctly this time
    context = build_context(course, generated_by="test")
    assert [dx.code for dx in context["diagnoses"]] == ["F43.10"]


def test_the_page_shows_the_picker_and_the_chart_shows_the_diagnoses(
    world, staff_client, django_assert_max_num_queries
):
    side = world.one
    course = side.courses[0]
    client = staff_client(side.staff[Role.THERAPIST])
    url = reverse("clinic:diagnoses", args=[course.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'list="icd10-codes"' in page.content
    assert b'<option value="F43.10 Post-traumatic stress disorder, unspecified">' in page.content
    assert client.post(url, {"code": "not a code"}).status_code == 422
    response = client.post(url, {"code": "F43.10 Post-traumatic stress disorder, unspecified"})
    assert response.status_code == 302
    for code in ("F41.1", "F33.1", "F42.2"):
        client.post(url, {"code": code})
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    chart = client.get(reverse("clinic:patient-chart", args=[course.patient_id]))
    assert b"F43.10" in chart.content and b"Primary" in chart.content
    dx = Diagnosis.objects.get(course=course, code="F42.2")
    client.post(reverse("clinic:diagnosis-in-error", args=[dx.pk]), {"reason": "Typo."})
    dx.refresh_from_db()
    assert not dx.in_force


def test_other_clinics_staff_get_404(world, staff_client):
    course = world.one.courses[0]
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    assert client.get(reverse("clinic:diagnoses", args=[course.pk])).status_code == 404
    assert (
        client.post(reverse("clinic:diagnoses", args=[course.pk]), {"code": "F41.1"}).status_code
        == 404
    )
    assert not Diagnosis.objects.exists()
