"""Statements compiled once per process: the same rows as the ORM, nothing kept but the SQL."""

import datetime

from django.db.models import Value
from django.utils import timezone

from kapclinic.clinic.models import SafetyFlag
from kapclinic.clinic.statements import compiled


def flags_of(course_id):
    return SafetyFlag.objects.filter(course=course_id).order_by("raised_at", "pk")


def test_a_reused_statement_reads_the_same_rows_and_new_ones_at_once(build):
    build()
    course = build.course
    first = compiled("test: flags", [course.pk], flags_of)
    SafetyFlag.objects.create(
        course=course, urgency=SafetyFlag.Urgency.ROUTINE, source="test", reason="New."
    )
    again = compiled("test: flags", [course.pk], flags_of)
    assert len(again) == len(first) + 1
    assert [(f.pk, f.reason, f.raised_at) for f in again] == [
        (f.pk, f.reason, f.raised_at) for f in flags_of(course.pk)
    ]


def test_a_statement_with_another_parameter_is_never_reused(build):
    """One name given to two builders: each reads its own rows (the builder is in the key)."""
    build()
    course = build.course
    for urgency in ("routine", "urgent"):
        SafetyFlag.objects.create(course=course, urgency=urgency, source="test", reason="Seen.")
    routine = lambda pk: SafetyFlag.objects.filter(course=pk, urgency="routine")  # noqa: E731
    assert compiled("test: routine flags", [course.pk], routine) == list(routine(course.pk))
    urgent = lambda pk: SafetyFlag.objects.filter(course=pk, urgency="urgent")  # noqa: E731
    assert compiled("test: routine flags", [course.pk], urgent) == list(urgent(course.pk))
    assert list(urgent(course.pk)) != list(routine(course.pk))


# --- Statements with several values and constants, model or plain rows (`compiled`) ---------

BUILT = []  # how often a builder below made its queryset


def routine_rows(*course_ids):
    BUILT.append(course_ids)
    return (
        SafetyFlag.objects.filter(course_id__in=course_ids, urgency=SafetyFlag.Urgency.ROUTINE)
        .order_by("raised_at", "pk")
        .values_list("pk", "reason", "raised_at")
    )


def flag(course, reason, urgency=SafetyFlag.Urgency.ROUTINE):
    return SafetyFlag.objects.create(course=course, urgency=urgency, source="test", reason=reason)


def test_plain_rows_are_the_orms_built_once_and_a_new_row_shows_at_once(world):
    one, two = world.one.courses
    flag(one, "One")
    flag(two, "Urgent", SafetyFlag.Urgency.URGENT)
    both = [one.pk, two.pk]
    assert compiled("test: routine rows", both, routine_rows) == list(routine_rows(*both))
    flag(two, "Two")
    BUILT.clear()
    again = compiled("test: routine rows", both, routine_rows)
    assert BUILT == []  # read with the SQL kept, not built again
    assert [reason for _pk, reason, _at in again] == ["One", "Two"]
    assert again == list(routine_rows(*both))
    assert compiled("test: routine rows", [two.pk, one.pk], routine_rows) == again
    assert compiled("test: routine rows", [two.pk], routine_rows) == list(routine_rows(two.pk))


def ranked(*course_ids):
    return (
        SafetyFlag.objects.filter(course_id__in=course_ids)
        .annotate(two=Value(2))
        .order_by("pk")
        .values_list("two", "reason")
    )


def test_a_constant_equal_to_the_first_value_stays_a_constant(world):
    one, two = world.one.courses
    flag(one, "One")
    flag(two, "Two")
    # First compiled with the value 2, the constant's own value: each is still told apart.
    assert compiled("test: ranked", [2], ranked) == list(ranked(2))
    assert compiled("test: ranked", [one.pk], ranked) == [(2, "One")]
    assert compiled("test: ranked", [two.pk], ranked) == [(2, "Two")]


def test_a_builder_that_captures_a_value_is_read_afresh_each_time(world):
    one, _two = world.one.courses
    flag(one, "Routine")
    flag(one, "Urgent", SafetyFlag.Urgency.URGENT)
    for urgency, reason in (("routine", "Routine"), ("urgent", "Urgent")):

        def rows(*ids, urgency=urgency):
            return SafetyFlag.objects.filter(course_id__in=ids, urgency=urgency).values_list(
                "reason"
            )

        assert compiled("test: captured", [one.pk], rows) == [(reason,)]

        def captured(*ids):
            return SafetyFlag.objects.filter(
                course_id__in=ids,
                urgency=urgency,  # noqa: B023  (captured on purpose: never kept)
            ).values_list("reason")

        assert compiled("test: captured too", [one.pk], captured) == [(reason,)]


def test_no_values_reads_nothing_and_model_rows_keep_their_deferred_fields(world):
    one, _two = world.one.courses
    assert compiled("test: routine rows", [], routine_rows) == []
    made = flag(one, "Only the reason")

    def reasons(*course_ids):
        return SafetyFlag.objects.filter(course_id__in=course_ids).only("reason")

    for _ in range(2):
        (read,) = compiled("test: reasons", [one.pk], reasons)
        assert (read.pk, read.reason, read.source) == (made.pk, "Only the reason", "test")


def sources_raised_by(course_id, day):
    return (
        SafetyFlag.objects.filter(course_id=course_id, raised_at__date__lte=day)
        .order_by("pk")
        .values_list("source", flat=True)
    )


def test_flat_rows_and_dates_are_the_caller_values_too(world):
    one, _two = world.one.courses
    flag(one, "Today")
    today = timezone.localdate()
    for day in (today, today - datetime.timedelta(days=1), today):
        rows = compiled("test: sources by day", [one.pk, day], sources_raised_by)
        assert rows == list(sources_raised_by(one.pk, day))
    assert rows == ["test"]


def test_the_session_screen_and_the_chart_read_their_lists_through_kept_statements(
    ready, staff_client
):
    """The pages these statements were made for use them: none falls back to being built anew
    on each load (a builder that captured a value, or a related manager, would)."""
    from django.urls import reverse

    from kapclinic.clinic import statements
    from kapclinic.clinic.models import Role

    ready.dose()
    client = staff_client(ready.world.one.staff[Role.PRESCRIBER])
    appointment = ready.session.appointment_id
    assert client.get(reverse("dosing:session", args=[appointment])).status_code == 200
    assert (
        client.get(reverse("clinic:patient-chart", args=[ready.course.patient_id])).status_code
        == 200
    )
    kept = {key[0]: statement for key, statement in statements._STATEMENTS.items()}
    pages = [name for name in kept if name.startswith(("session screen:", "patient chart:"))]
    assert len(pages) >= 10, pages
    assert [name for name in pages if kept[name] is None] == []


# --- Model rows with the related objects select_related reads beside them -----------------


def flags_with_course(*course_ids):
    BUILT.append(course_ids)
    return (
        SafetyFlag.objects.filter(course_id__in=course_ids)
        .select_related("course__patient__clinic", "resolved_by")
        .order_by("pk")
    )


def described(flags):
    return [
        (
            f.pk,
            f.reason,
            f.raised_at,
            f.course.pk,
            f.course.state,
            f.course.patient.legal_name,
            f.course.patient.clinic.name,
            f.resolved_by,
        )
        for f in flags
    ]


def test_model_rows_with_select_related_are_the_orms_built_once(world, django_assert_num_queries):
    one, two = world.one.courses
    flag(one, "One")
    both = [one.pk, two.pk]
    assert described(compiled("test: flags and course", both, flags_with_course)) == described(
        flags_with_course(*both)
    )
    flag(two, "Two", SafetyFlag.Urgency.URGENT)
    BUILT.clear()
    with django_assert_num_queries(1):  # the related objects come in the same row
        again = compiled("test: flags and course", both, flags_with_course)
        shown = described(again)
    assert BUILT == []  # the kept statement, not built anew
    assert shown == described(flags_with_course(*both)) and len(shown) == 2
    assert shown[1][5] == two.patient.legal_name and shown[1][7] is None
    other = world.two.courses[0]
    flag(other, "Elsewhere")
    assert described(compiled("test: flags and course", [other.pk, one.pk], flags_with_course)) == (
        described(flags_with_course(other.pk, one.pk))
    )


def reasons_of_either(first_id, second_id):
    mine = SafetyFlag.objects.filter(course_id=first_id).values_list("reason", "urgency")
    theirs = SafetyFlag.objects.filter(course_id=second_id).values_list("reason", "urgency")
    return mine.order_by().union(theirs.order_by(), all=True)


def test_a_union_is_built_once_and_reads_the_orms_rows_with_new_ones_at_once(
    world, django_assert_num_queries
):
    """The calendar's opening hours and closed days are one UNION (ClinicHours.read)."""
    from kapclinic.clinic import statements

    one, two = world.one.courses
    flag(one, "One")
    flag(two, "Two", SafetyFlag.Urgency.URGENT)
    assert sorted(compiled("test: union", [one.pk, two.pk], reasons_of_either)) == [
        ("One", "routine"),
        ("Two", "urgent"),
    ]
    kept = [s for key, s in statements._STATEMENTS.items() if key[0] == "test: union"]
    assert kept and kept[0] is not None  # kept, not read the ordinary way each time
    flag(two, "Three")
    with django_assert_num_queries(1):
        rows = compiled("test: union", [two.pk, one.pk], reasons_of_either)
    assert sorted(rows) == sorted(reasons_of_either(two.pk, one.pk))
    assert len(rows) == 3
