"""Rooms and chairs as resources (issue 21): one live appointment per resource at a time (the
database refuses a double booking on PostgreSQL), a dosing session in a dosing room or chair,
only the clinic's own resources in use, clinic admins keeping them, and today's free-text
rooms migrated to resources."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Resource, ResourceKind, Role
from kapclinic.demo.builder import clinic_resources
from kapclinic.demo.builder import room as clinic_room
from sessions import booking
from sessions.forms.booking import BookDosingSessionForm
from tests.factories import CourseFactory, PatientFactory
from tests.real_services import require_real_service
from tests.sessions.test_scheduling import at, book, clear_course

pytestmark = pytest.mark.django_db

LATEST = ("clinic", "0025_resource_overlap")
BEFORE_RESOURCES = ("clinic", "0023_resource")


@pytest.fixture
def north(world):
    return world.one


def appointment(course, start, *, resource, kind=Appointment.Kind.DOSING, minutes=150):
    return Appointment(
        course=course,
        kind=kind,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        resource=resource,
    )


def resource_error(candidate):
    with pytest.raises(ValidationError) as refused:
        candidate.full_clean(exclude=["clinic", "patient"])
    return refused.value.message_dict["resource"]


# --- The database refuses a double booking ---------------------------------------------------


def test_postgresql_refuses_one_resource_twice_at_once_however_it_is_written(north):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    recliner = clinic_room(north.clinic, "Recliner A")
    first, second = north.courses
    book(first, None, at(north.clinic, 3, 10), room="Recliner A")
    overlapping = appointment(second, at(north.clinic, 3, 11), resource=recliner)
    overlapping.copy_from_course()
    refused = pytest.raises(IntegrityError, match="appointment_no_resource_overlap")
    with refused, transaction.atomic():
        Appointment.objects.bulk_create([overlapping])  # no clean(), no save()
    # Moved into the recliner by a raw update: refused too.
    elsewhere = book(second, None, at(north.clinic, 3, 11), room="Recliner B")
    with refused, transaction.atomic():
        Appointment.objects.filter(pk=elsewhere.pk).update(resource=recliner)
    assert Appointment.objects.filter(resource=recliner).count() == 1


def test_back_to_back_and_cancelled_appointments_free_the_resource(north):
    first, second = north.courses
    held = book(first, None, at(north.clinic, 3, 10), minutes=120, room="Recliner A")
    assert book(second, None, at(north.clinic, 3, 12), minutes=60, room="Recliner A").pk
    held.status = Appointment.Status.CANCELLED
    held.save()
    replacement = appointment(second, at(north.clinic, 3, 10), resource=held.resource, minutes=90)
    replacement.full_clean(exclude=["clinic", "patient"])  # no clash once cancelled
    replacement.save()
    # Moving another live one into the freed hours now double-books the recliner: refused on
    # update (reviving the cancelled one is refused before that: clinic migration 0028).
    later = book(first, None, at(north.clinic, 3, 13), minutes=60, room="Recliner A")
    with pytest.raises(IntegrityError, match="resource"), transaction.atomic():
        Appointment.objects.filter(pk=later.pk).update(
            starts_at=at(north.clinic, 3, 10, 30), ends_at=at(north.clinic, 3, 11)
        )


def test_clean_says_the_resource_is_taken_beside_the_field(north):
    booked = book(north.courses[0], None, at(north.clinic, 3, 10), room="Recliner A")
    clash = appointment(north.courses[1], at(north.clinic, 3, 11), resource=booked.resource)
    assert resource_error(clash) == [
        f"Recliner A is already booked {booked.when()}. Choose another time, room or chair."
    ]


def test_a_late_database_refusal_comes_back_beside_the_resource(north):
    """Two staff booking the recliner at once: clean() passed for both."""
    book(north.courses[0], None, at(north.clinic, 3, 10), room="Recliner A")
    late = appointment(
        north.courses[1], at(north.clinic, 3, 10), resource=clinic_room(north.clinic, "Recliner A")
    )
    with pytest.raises(ValidationError) as refused:
        booking.insert(late)
    assert refused.value.message_dict == {
        "resource": [
            "Recliner A was booked for this time a moment ago. Choose another time, room or chair."
        ]
    }


# --- Which resources an appointment may hold -------------------------------------------------


@pytest.mark.parametrize("name", ["Therapy room", "Telehealth"])
def test_a_dosing_session_needs_a_dosing_room_or_chair(north, name):
    candidate = appointment(
        north.courses[0], at(north.clinic, 3, 10), resource=clinic_room(north.clinic, name)
    )
    assert resource_error(candidate) == [
        f"{name} is not a dosing room or chair. Choose a dosing room or chair."
    ]


@pytest.mark.parametrize("name", ["Dosing room 1", "Recliner A"])
def test_dosing_rooms_and_chairs_hold_a_dosing_session(north, name):
    candidate = appointment(
        north.courses[0], at(north.clinic, 3, 10), resource=clinic_room(north.clinic, name)
    )
    candidate.full_clean(exclude=["clinic", "patient"])


def test_an_integration_session_may_be_by_telehealth(north):
    candidate = appointment(
        north.courses[0],
        at(north.clinic, 3, 10),
        resource=clinic_room(north.clinic, "Telehealth"),
        kind=Appointment.Kind.INTEGRATION,
        minutes=60,
    )
    candidate.full_clean(exclude=["clinic", "patient"])


def test_a_resource_no_longer_in_use_is_refused_but_kept_where_booked(north):
    booked = book(north.courses[0], None, at(north.clinic, 3, 10), room="Recliner A")
    recliner = booked.resource
    Resource.objects.filter(pk=recliner.pk).update(active=False)
    recliner.refresh_from_db()
    candidate = appointment(north.courses[1], at(north.clinic, 4, 10), resource=recliner)
    assert resource_error(candidate) == ["Recliner A is no longer in use: choose another."]
    booked = Appointment.objects.select_related("resource").get(pk=booked.pk)
    booked.status_reason = "Moved by phone."
    booked.full_clean(exclude=["clinic", "patient"])  # what it holds already, it keeps


def test_another_clinics_resource_is_refused(world, north):
    theirs = clinic_room(world.two.clinic, "Recliner A")
    candidate = appointment(north.courses[0], at(north.clinic, 3, 10), resource=theirs)
    assert resource_error(candidate) == ["That room or chair belongs to another clinic."]


def test_querysets_say_which_resources_are_in_use_and_for_what(world, north):
    clinic_resources(north.clinic)
    Resource.objects.filter(clinic=north.clinic, name="Recliner B").update(active=False)
    mine = Resource.objects.filter(clinic=north.clinic)
    assert {r.name for r in mine.for_dosing()} == {
        "Dosing room 1",
        "Dosing room 2",
        "Recliner A",
        "Recliner B",
    }
    assert "Recliner B" not in {r.name for r in mine.active()}
    assert {r.name for r in mine.bookable_for(Appointment.Kind.DOSING)} == {
        "Dosing room 1",
        "Dosing room 2",
        "Recliner A",
    }
    assert {r.kind for r in mine.bookable_for(Appointment.Kind.INTEGRATION)} == set(ResourceKind)


def test_names_are_unique_per_clinic_whatever_their_case(world, north):
    clinic_room(north.clinic)
    clinic_room(world.two.clinic)  # the other clinic's "Dosing room 1" is its own
    twin = Resource(clinic=north.clinic, name=" dosing ROOM 1 ", kind=ResourceKind.CHAIR)
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert refused.value.message_dict == {
        "name": ["This clinic already has a room or chair of that name."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(clinic=north.clinic, name="DOSING ROOM 1", kind="chair")
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(clinic=north.clinic, name="Sofa", kind="chair", capacity=0)


# --- Booking: the service and the form -------------------------------------------------------


def test_booking_a_dosing_session_without_a_room_is_refused_beside_the_field(north):
    prescriber = north.staff[Role.PRESCRIBER]
    course = clear_course(north.courses[0], prescriber)
    with pytest.raises(ValidationError) as refused:
        booking.book_dosing_session(
            course,
            by=prescriber.user,
            starts_at=at(north.clinic, 3, 10),
            ends_at=at(north.clinic, 3, 12),
            clinician=north.staff[Role.NURSE],
            resource=None,
        )
    assert refused.value.message_dict == {"resource": ["Choose a dosing room or chair."]}
    booked = booking.book_dosing_session(
        course,
        by=prescriber.user,
        starts_at=at(north.clinic, 3, 10),
        ends_at=at(north.clinic, 3, 12),
        clinician=north.staff[Role.NURSE],
        resource=clinic_room(north.clinic, "Recliner A"),
    )
    assert booked.resource.name == "Recliner A"


def test_the_booking_form_offers_the_clinics_dosing_rooms_and_chairs_by_kind(world, north):
    clinic_resources(north.clinic)
    clinic_resources(world.two.clinic)
    Resource.objects.filter(clinic=north.clinic, name="Recliner B").update(active=False)
    form = BookDosingSessionForm(clinic=north.clinic)
    choices = list(form.fields["resource"].choices)
    assert choices[0] == ("", "Choose…")
    groups = {label: [name for _value, name in options] for label, options in choices[1:]}
    assert groups == {
        "Dosing room": ["Dosing room 1", "Dosing room 2"],
        "Recliner / chair": ["Recliner A"],
    }
    html = str(form["resource"])
    assert '<optgroup label="Recliner / chair">' in html


def test_the_booking_page_says_a_room_is_needed_beside_the_field(north, staff_client):
    prescriber, nurse = north.staff[Role.PRESCRIBER], north.staff[Role.NURSE]
    course = clear_course(north.courses[0], prescriber)
    start = at(north.clinic, 3, 10)
    response = staff_client(nurse).post(
        reverse("dosing:book-session", args=[course.pk]),
        {
            "date": start.date().isoformat(),
            "start_time": "10:00",
            "duration_minutes": "150",
            "clinician": nurse.pk,
            "resource": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["resource"] == ["Choose a dosing room or chair."]
    assert not Appointment.objects.exists()


# --- The admin -------------------------------------------------------------------------------


def test_a_clinic_admin_keeps_their_own_clinics_resources(world, north, staff_client):
    clinic_resources(world.two.clinic)
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    add = reverse("admin:clinic_resource_add")
    form = client.get(add).context["adminform"].form
    assert list(form.fields["clinic"].queryset) == [north.clinic]
    response = client.post(
        add,
        {
            "clinic": north.clinic.pk,
            "name": "Recliner C",
            "kind": "chair",
            "capacity": 1,
            "active": "on",
        },
    )
    assert response.status_code == 302
    added = Resource.objects.get(clinic=north.clinic, name="Recliner C")
    listing = client.get(reverse("admin:clinic_resource_changelist"))
    assert list(listing.context["cl"].result_list) == [added]
    delete = reverse("admin:clinic_resource_delete", args=[added.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_the_appointment_admin_offers_only_the_clinics_resources(world, north, staff_client):
    clinic_resources(world.two.clinic)
    mine = clinic_room(north.clinic)
    # An integration session: a dosing session's room is the calendar's to change, not the
    # admin's (tests/calendar/test_dosing_length.py).
    starts = at(north.clinic, 3, 10)
    booked = Appointment.objects.create(
        course=north.courses[0],
        kind=Appointment.Kind.INTEGRATION,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    page = client.get(reverse("admin:clinic_appointment_change", args=[booked.pk]))
    offered = page.context["adminform"].form.fields["resource"].queryset
    assert set(offered) == set(Resource.objects.filter(clinic=north.clinic))
    assert mine in offered


# --- Today's free-text rooms become resources ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_free_text_rooms_become_one_resource_per_clinic_and_name(world):
    north, south = world.one, world.two
    stranger = CourseFactory(patient=PatientFactory(clinic=north.clinic))
    rows = {
        # (course, kind, day): room as typed before resources
        "dosing": (north.courses[0], "dosing", 3, "Room 1"),
        "same room, other case": (north.courses[1], "integration", 4, " room 1 "),
        "therapy": (north.courses[1], "integration", 5, "Garden room"),
        "none": (stranger, "integration", 6, ""),
        "other clinic": (south.courses[0], "integration", 3, "Room 1"),
    }
    made = {}
    for key, (course, kind, day, _room) in rows.items():
        made[key] = appointment(course, at(course.clinic, day, 10), resource=None, kind=kind)
        made[key].save()
    try:
        MigrationExecutor(connection).migrate([BEFORE_RESOURCES])
        old = MigrationExecutor(connection).loader.project_state([BEFORE_RESOURCES]).apps
        for key, (*_, room) in rows.items():
            old.get_model("clinic", "Appointment").objects.filter(pk=made[key].pk).update(room=room)
        MigrationExecutor(connection).migrate([LATEST])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    held = {key: Appointment.objects.get(pk=a.pk).resource for key, a in made.items()}
    assert held["dosing"] == held["same room, other case"]
    assert (held["dosing"].name, held["dosing"].kind) == ("Room 1", ResourceKind.DOSING_ROOM)
    assert (held["therapy"].name, held["therapy"].kind) == (
        "Garden room",
        ResourceKind.THERAPY_ROOM,
    )
    assert held["none"] is None
    assert held["other clinic"].clinic == south.clinic
    assert held["other clinic"].kind == ResourceKind.THERAPY_ROOM
    assert Resource.objects.count() == 3
