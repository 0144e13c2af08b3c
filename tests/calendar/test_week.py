"""The week and day views: blocks placed at their clinic time, filters, who sees what, and a
number of queries that does not grow with the appointments."""

import datetime
from html import escape

import pytest
from django.urls import reverse

from kapclinic.calendar.grid import CLINICIAN, ROOM, calendar_grid, short_name, week_of
from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import room
from tests.factories import CourseFactory, PatientFactory, ProviderFactory

from .conftest import at, put

pytestmark = pytest.mark.django_db


def blocks(grid):
    return [b for day in grid.days for column in day.columns for b in column.blocks]


def column_of(grid, label_part, day_index=0):
    return next(c for c in grid.days[day_index].columns if label_part in c.label)


def test_short_name_is_the_preferred_name_and_an_initial():
    assert short_name("Sam", "Samuel Rivera") == "Sam R."
    assert short_name("", "Alex Mary Jones") == "Alex J."
    assert short_name("", "Cher") == "Cher"


def test_a_block_sits_at_its_clinic_time_and_is_sized_by_duration(north):
    nurse = north.staff[Role.NURSE]
    north.patients[0].preferred_name = "Sam"
    north.patients[0].legal_name = "Samuel Rivera"
    north.patients[0].save()
    start = at(north.clinic, 1, 10)
    put(north.courses[0], nurse, start, minutes=60, resource=room(north.clinic))
    day = start.date()
    grid = calendar_grid(north.clinic, nurse.user, first=day, days=1)
    (block,) = blocks(grid)
    # 07:00 is row 1 of 5-minute rows: 10:00 is row 37; an hour is 12 rows.
    assert (block.row, block.rows) == (37, 12)
    assert block.label == "10:00–11:00 Dosing session, Sam R., Booked"
    assert block in column_of(grid, nurse.user.last_name).blocks


def test_blocks_keep_their_wall_clock_time_across_a_change_of_the_clocks(world):
    clinic = world.one.clinic
    clinic.time_zone = "America/New_York"
    clinic.save()
    nurse = world.one.staff[Role.NURSE]
    # The clocks went back on Sunday 1 November 2026 in New York; the week runs Mon 26 Oct.
    for day in (datetime.date(2026, 10, 31), datetime.date(2026, 11, 1)):
        start = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=clinic.tz)
        course = CourseFactory(patient=PatientFactory(clinic=clinic))
        put(course, nurse, start, minutes=90)
    grid = calendar_grid(clinic, nurse.user, first=datetime.date(2026, 10, 26))
    placed = [(b.starts_at.date(), b.row, b.rows) for b in blocks(grid)]
    assert placed == [
        (datetime.date(2026, 10, 31), 31, 18),
        (datetime.date(2026, 11, 1), 31, 18),
    ]


def test_overlapping_blocks_sit_side_by_side(north):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, -1, 9)
    put(north.courses[0], nurse, start, status=Appointment.Status.NO_SHOW)
    put(north.courses[1], nurse, start + datetime.timedelta(minutes=30))
    grid = calendar_grid(north.clinic, nurse.user, first=start.date(), days=1)
    column = column_of(grid, nurse.user.last_name)
    assert column.lanes == 2
    assert [b.lane for b in column.blocks] == [1, 2]


def test_cancelled_appointments_free_their_slot(north):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 1, 9)
    put(north.courses[0], nurse, start, status=Appointment.Status.CANCELLED)
    grid = calendar_grid(north.clinic, nurse.user, first=start.date(), days=1)
    assert blocks(grid) == []
    column = column_of(grid, nurse.user.last_name)
    assert start in [s for _, s in column.free]


def test_empty_slots_are_offered_from_now_on_and_not_under_a_live_block(north):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 1, 9)
    put(north.courses[0], nurse, start, minutes=60)
    grid = calendar_grid(north.clinic, nurse.user, first=start.date(), days=1)
    free = [s.time() for _, s in column_of(grid, nurse.user.last_name).free]
    assert datetime.time(8, 30) in free
    assert datetime.time(9, 0) not in free and datetime.time(9, 30) not in free
    assert datetime.time(10, 0) in free
    past = calendar_grid(north.clinic, nurse.user, first=at(north.clinic, -1, 0).date(), days=1)
    assert all(not column.free for column in past.days[0].columns)


def test_the_week_starts_on_monday_and_has_seven_days(north):
    nurse = north.staff[Role.NURSE]
    wednesday = datetime.date(2026, 12, 9)
    assert week_of(wednesday) == datetime.date(2026, 12, 7)
    grid = calendar_grid(north.clinic, nurse.user, first=week_of(wednesday))
    assert [d.date.weekday() for d in grid.days] == list(range(7))


def test_one_column_per_clinician_or_per_room(north):
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    start = at(north.clinic, 1, 9)
    put(north.courses[0], nurse, start, resource=room(north.clinic, "Dosing room 1"))
    put(north.courses[1], prescriber, start, resource=room(north.clinic, "Recliner A"))
    day = start.date()
    by_clinician = calendar_grid(north.clinic, nurse.user, first=day, days=1, axis=CLINICIAN)
    keys = {c.key for c in by_clinician.days[0].columns}
    # Prescriber, therapist and nurse; never the clinic admin (by id: generated names may repeat).
    assert keys == {
        str(north.staff[role].pk) for role in (Role.PRESCRIBER, Role.THERAPIST, Role.NURSE)
    }
    by_room = calendar_grid(north.clinic, nurse.user, first=day, days=1, axis=ROOM)
    columns = by_room.days[0].columns
    assert [c.label for c in columns] == [
        "Dosing room 1",
        "Dosing room 2",
        "Recliner A",
        "Recliner B",
        "Telehealth",
        "Therapy room",
    ]
    assert [len(c.blocks) for c in columns] == [1, 0, 1, 0, 0, 0]


def test_filters_by_clinician_room_and_kind(north):
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    therapist = north.staff[Role.THERAPIST]
    start = at(north.clinic, 1, 9)
    put(north.courses[0], nurse, start, resource=room(north.clinic, "Dosing room 1"))
    therapy = room(north.clinic, "Therapy room")
    put(north.courses[1], therapist, start, resource=therapy, kind=Appointment.Kind.INTEGRATION)
    day = start.date()

    def kinds(**filters):
        grid = calendar_grid(north.clinic, nurse.user, first=day, days=1, filters=filters)
        return sorted(b.kind for b in blocks(grid)), len(grid.days[0].columns)

    assert kinds() == (["dosing", "integration"], 3)
    assert kinds(clinician=nurse.pk) == (["dosing"], 1)
    assert kinds(clinician=prescriber.pk) == ([], 1)
    assert kinds(room=therapy.pk) == (["integration"], 3)
    assert kinds(kind="integration") == (["integration"], 3)


def test_other_clinics_appointments_and_clinicians_are_not_shown(world, north):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 1, 9)
    put(north.courses[0], nurse, start)
    outsider = world.two.staff[Role.PRESCRIBER]
    # Even when asked for our clinic by name, another clinic's staff see none of our rows.
    grid = calendar_grid(north.clinic, outsider.user, first=start.date(), days=1)
    assert blocks(grid) == []
    assert grid.days[0].columns == []


def test_the_weeks_reads_built_once_show_a_new_visit_at_once_and_no_other_clinics(world, north):
    """The grid's statements are compiled once per process (calendar/reads.py): a visit booked
    after they were built shows on the next view, and another clinic's staff reading through
    the same statements still see none of this clinic's rows or clinicians."""
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 1, 9)
    put(north.courses[0], nurse, start)
    first = calendar_grid(north.clinic, nurse.user, first=start.date(), days=1)
    put(north.courses[1], nurse, start + datetime.timedelta(hours=2))
    again = calendar_grid(north.clinic, nurse.user, first=start.date(), days=1)
    assert (len(blocks(first)), len(blocks(again))) == (1, 2)
    assert nurse.user.last_name in column_of(again, nurse.user.last_name).label
    outsider = world.two.staff[Role.PRESCRIBER]
    theirs = calendar_grid(north.clinic, outsider.user, first=start.date(), days=1)
    assert (blocks(theirs), theirs.days[0].columns, theirs.rooms) == ([], [], [])


def test_a_visit_of_a_clinician_who_left_in_a_room_out_of_use_still_names_both(
    world, north, django_assert_num_queries
):
    """Neither is on the clinic's lists (active clinicians, rooms in use): the visit keeps a
    column of its own, labelled with their names, on either axis (their names read in one
    query more than the grid's four)."""
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    therapist = north.staff[Role.THERAPIST]
    chair = room(north.clinic)
    start = at(north.clinic, 1, 9)
    put(north.courses[0], prescriber, start, resource=chair)
    put(north.courses[1], therapist, start + datetime.timedelta(hours=2))
    type(prescriber).objects.filter(pk=prescriber.pk).update(active=False)
    type(therapist).objects.filter(pk=therapist.pk).update(clinic=world.two.clinic)
    type(chair).objects.filter(pk=chair.pk).update(active=False)
    day = start.date()
    calendar_grid(north.clinic, nurse.user, first=day, days=1)  # the nurse's provider, read
    with django_assert_num_queries(5):
        by_clinician = calendar_grid(north.clinic, nurse.user, first=day, days=1)
    labels = [c.label for c in by_clinician.days[0].columns]
    assert labels[-2:] == sorted([str(prescriber), str(therapist)])
    assert [b.room for b in column_of(by_clinician, str(prescriber)).blocks] == [chair.name]
    by_room = calendar_grid(north.clinic, nurse.user, first=day, days=1, axis=ROOM)
    left = column_of(by_room, chair.name)
    assert [b.clinician for b in left.blocks] == [str(prescriber)]
    assert [b.clinician for b in column_of(by_room, "No room or chair").blocks] == [str(therapist)]


def test_week_page_shows_blocks_as_links_with_their_words(north, staff_client):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 1, 10)
    appointment = put(north.courses[0], nurse, start)
    client = staff_client(nurse)
    response = client.get(reverse("calendar:week"), {"date": start.date().isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("calendar:move", args=[appointment.pk]) in html
    assert "10:00–11:00 Dosing session" in html
    assert reverse("calendar:book") + "?start=" in html
    day = client.get(reverse("calendar:day"), {"date": "not a date", "axis": "room"})
    assert day.status_code == 200


def test_the_staff_nav_links_the_calendar(north, staff_client):
    client = staff_client(north.staff[Role.THERAPIST])
    response = client.get(reverse("calendar:day"))
    assert f'href="{reverse("calendar:week")}" aria-current="page"' in response.content.decode()


def test_patients_are_refused_the_calendar(north, client):
    client.force_login(north.patients[0].user)
    for name in ("calendar:week", "calendar:day", "calendar:book"):
        assert client.get(reverse(name)).status_code == 403


def test_a_patients_name_typed_with_markup_prints_literally(north, staff_client):
    nurse = north.staff[Role.NURSE]
    north.patients[0].preferred_name = "<b>Sam</b>"
    north.patients[0].save()
    start = at(north.clinic, 1, 10)
    put(north.courses[0], nurse, start)
    response = staff_client(nurse).get(reverse("calendar:week"), {"date": start.date()})
    html = response.content.decode()
    assert "<b>Sam</b>" not in html and "&lt;b&gt;Sam&lt;/b&gt;" in html


@pytest.mark.parametrize("count", [5, 200])
def test_the_week_runs_the_same_bounded_number_of_queries(
    north, staff_client, django_assert_max_num_queries, count
):
    """The week's queries do not grow with its appointments (asserted at 5 and at 200)."""
    first = week_of(at(north.clinic, 7, 0).date())
    clinicians = [north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]]
    clinicians += [ProviderFactory(clinic=north.clinic, role=Role.NURSE) for _ in range(3)]
    courses = [CourseFactory(patient=PatientFactory(clinic=north.clinic)) for _ in range(count)]
    rows = []
    for index, course in enumerate(courses):
        day, slot = divmod(index, 40)
        clinician = clinicians[slot % len(clinicians)]
        start = datetime.datetime.combine(
            first + datetime.timedelta(days=day % 7),
            datetime.time(7 + (slot // len(clinicians)) % 12, 0),
            tzinfo=north.clinic.tz,
        )
        rows.append(
            Appointment(
                course=course,
                clinic=north.clinic,
                patient=course.patient,
                kind=Appointment.Kind.DOSING,
                starts_at=start,
                ends_at=start + datetime.timedelta(minutes=45),
                clinician=clinician,
            )
        )
    Appointment.objects.bulk_create(rows)
    client = staff_client(north.staff[Role.NURSE])
    client.get(reverse("calendar:week"))  # the session and the login, read once
    # The login, then the grid's four: the appointments, the clinicians, the rooms, and the
    # clinic's opening hours with its closed days (one union).
    with django_assert_max_num_queries(5):
        response = client.get(reverse("calendar:week"), {"date": first.isoformat()})
    assert response.status_code == 200
    assert response.context["grid"].appointment_count == count


def test_todays_line_is_drawn_at_now_on_today_only(north):
    nurse = north.staff[Role.NURSE]
    now = at(north.clinic, 0, 10, 2)
    grid = calendar_grid(north.clinic, nurse.user, first=week_of(now.date()), now=now)
    lines = {d.date: d.now_row for d in grid.days if d.now_row}
    assert lines == {now.date(): 37}
    assert [d.is_today for d in grid.days].count(True) == 1


def test_each_empty_slot_links_its_own_column_time_and_day(north, staff_client):
    """The slots' markup is shared between a day's columns: each link still books its own
    clinician at its own time, and says the day and the column's name (escaped)."""
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    prescriber.credentials = "MD & <PhD>"
    prescriber.save()
    start = at(north.clinic, 1, 10)
    put(north.courses[0], nurse, start)
    day = start.date()
    html = staff_client(nurse).get(reverse("calendar:day"), {"date": day}).content.decode()
    book, when = reverse("calendar:book"), f"{day:%a} {day.day} {day:%b}"

    names = dict(calendar_grid(north.clinic, nurse.user, first=day, days=1).clinicians)

    def slot(clinician, hour):
        row = (hour - 7) * 12 + 1
        return (
            f'<a class="cal-slot cal-at-{row}" href="{book}?start={day:%Y-%m-%d}T{hour:02d}:00'
            f'&amp;clinician={clinician.pk}"><span class="visually-hidden">Book </span>'
            f'<span class="cal-slot__time">{hour:02d}:00</span>'
            f'<span class="visually-hidden"> {when}, {escape(names[clinician.pk])}</span></a>'
        )

    assert slot(prescriber, 10) in html and slot(prescriber, 11) in html
    assert "MD &amp; &lt;PhD&gt;" in slot(prescriber, 10)
    assert slot(nurse, 11) in html and slot(nurse, 10) not in html  # the nurse is busy at 10
