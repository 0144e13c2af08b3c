"""Statements compiled once per process: the same rows as the ORM, nothing kept but the SQL."""

from kapclinic.clinic.models import SafetyFlag
from kapclinic.clinic.statements import compiled_rows


def flags_of(course):
    return lambda: SafetyFlag.objects.filter(course=course).order_by("raised_at", "pk")


def test_a_reused_statement_reads_the_same_rows_and_new_ones_at_once(build):
    build()
    course = build.course
    first = compiled_rows("test: flags", course.pk, flags_of(course))
    SafetyFlag.objects.create(
        course=course, urgency=SafetyFlag.Urgency.ROUTINE, source="test", reason="New."
    )
    again = compiled_rows("test: flags", course.pk, flags_of(course))
    assert len(again) == len(first) + 1
    assert [(f.pk, f.reason, f.raised_at) for f in again] == [
        (f.pk, f.reason, f.raised_at) for f in flags_of(course)()
    ]


def test_a_statement_with_another_parameter_is_never_reused(build):
    build()
    course = build.course
    routine = lambda: SafetyFlag.objects.filter(course=course, urgency="routine")  # noqa: E731
    assert compiled_rows("test: routine flags", course.pk, routine) == list(routine())
    urgent = lambda: SafetyFlag.objects.filter(course=course, urgency="urgent")  # noqa: E731
    assert compiled_rows("test: routine flags", course.pk, urgent) == list(urgent())
