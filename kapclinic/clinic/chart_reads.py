"""The patient chart's reads of a patient's courses and what hangs from them, SQL built once.

The courses with their care team, journey events and diagnoses in force (`prefetch_related`),
the appointments and the safety flags cost about 4 ms of CPU a chart to build and compile as
ORM statements, against well under 1 ms to read. Each is now built once per process
(statements.compiled) with the patient's or the courses' ids as its values, in the same
number of queries; only the SQL is kept, never a row, so a change shows at once. The chart
reads these only after its access check and audit row (views.PatientChartView).
"""

from django.db.models import F

from .models import Appointment, CourseEvent, Diagnosis, Provider, SafetyFlag, TreatmentCourse
from .statements import compiled


def chart_courses(patient):
    """The patient's courses, newest first, each with `care_team.all()` and `events.all()`
    (with each event's actor) read, and `diagnoses_shown`: its diagnoses in force."""
    courses = compiled("patient chart: courses", [patient.pk], _courses)
    for course in courses:
        course.patient = patient  # as the patient's related manager leaves it: no read
    ids = [course.pk for course in courses]
    if not ids:
        return courses
    team, events, diagnoses = {}, {}, {}
    for member in compiled("patient chart: care team", ids, _care_team):
        team.setdefault(member.course_ref, []).append(member)
    for event in compiled("patient chart: course events", ids, _events):
        events.setdefault(event.course_id, []).append(event)
    for diagnosis in compiled("patient chart: diagnoses", ids, _diagnoses):
        diagnoses.setdefault(diagnosis.course_id, []).append(diagnosis)
    for course in courses:
        _read_with(course, "care_team", team.get(course.pk, []))
        _read_with(course, "events", events.get(course.pk, []))
        course.diagnoses_shown = diagnoses.get(course.pk, [])
    return courses


def _read_with(course, name, rows):
    """As `prefetch_related` leaves a related manager: its `all()` answers with these rows."""
    manager = getattr(course, name)
    rows_of = manager.get_queryset()  # the manager's own filter, should the chart narrow it
    rows_of._result_cache = rows
    rows_of._prefetch_done = True
    course.__dict__.setdefault("_prefetched_objects_cache", {})
    course._prefetched_objects_cache[name] = rows_of  # both managers' cache is their name


def _courses(patient_id):
    return TreatmentCourse.objects.filter(patient_id=patient_id)


def _care_team(*course_ids):
    return (
        Provider.objects.filter(courses__in=course_ids)
        .annotate(course_ref=F("courses"))
        .select_related("user")
    )


def _events(*course_ids):
    return CourseEvent.objects.filter(course_id__in=course_ids).select_related("actor")


def _diagnoses(*course_ids):
    return Diagnosis.objects.in_force().filter(course_id__in=course_ids)


def chart_appointments(patient_id):
    """The patient's appointments with only the columns the chart shows (the clinician's name
    as Provider.__str__ spells it)."""
    return compiled("patient chart: appointments", [patient_id], _appointments)


def _appointments(patient_id):
    return (
        Appointment.objects.filter(course__patient_id=patient_id)
        .select_related("clinician__user", "resource")
        .only(
            "starts_at",
            "kind",
            "status",
            "series",  # its id only: the link to the series
            "resource__name",
            "clinician__credentials",
            "clinician__user__first_name",
            "clinician__user__last_name",
            "clinician__user__email",
        )
    )


def chart_flags(patient_id):
    """The safety flags of the patient's courses, with who resolved each."""
    return compiled("patient chart: safety flags", [patient_id], _flags)


def _flags(patient_id):
    return SafetyFlag.objects.filter(course__patient_id=patient_id).select_related("resolved_by")
