"""A visit is booked within the clinic's opening hours and not on a closed day (walk: an
integration session was booked at 03:00 on 25 December). The rule is the appointment's own, so
every booking path meets it: calendar, phase services, series, open slots, admin, shell."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integration import services as integration
from kapclinic.calendar import requests as request_services
from kapclinic.calendar import series as series_services
from kapclinic.calendar.grid import calendar_grid
from kapclinic.calendar.models import OpenSlot
from kapclinic.calendar.slots import publish_slots
from kapclinic.clinic.models import Appointment, ClosedDay, OpeningHours, Role
from kapclinic.clinic.models.opening_hours import DEFAULT_HOURS
from kapclinic.demo.builder import clear_course, room, sign_consent

from .conftest import at
from .test_booking import form

pytestmark = pytest.mark.django_db

FRIDAY, SATURDAY = 4, 5


def office_hours(clinic):
    """Monday to Friday, 08:00–18:00; closed at the weekend."""
    for weekday, (opens, closes) in DEFAULT_HOURS.items():
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=opens, closes=closes)


def next_weekday(clinic, weekday, hour, minute=0, after_days=2):
    """The first `weekday` at least `after_days` ahead, at a wall-clock time of the clinic."""
    day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=after_days)
    day += datetime.timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic.tz)


def follow_up(course, start, minutes=60):
    return Appointment(
        course=course,
        kind=Appointment.Kind.FOLLOW_UP,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
    )


def test_a_dosing_session_at_night_is_refused_beside_its_start_on_the_page(north, staff_client):
    office_hours(north.clinic)
    nurse = north.staff[Role.NURSE]
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    night = next_weekday(north.clinic, FRIDAY, 3)
    client = staff_client(nurse)
    response = client.post(reverse("calendar:book"), form(night, nurse, course))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["start_time"] == [
        "The clinic is open 08:00–18:00 on Fridays: this visit starts at 03:00."
    ]
    assert not Appointment.objects.filter(course=course).exists()
    day = client.post(reverse("calendar:book"), form(night.replace(hour=10), nurse, course))
    assert day.status_code == 302


def test_a_visit_ending_after_closing_or_at_the_weekend_is_refused_in_a_shell(north):
    office_hours(north.clinic)
    course = north.courses[1]
    late = follow_up(course, next_weekday(north.clinic, FRIDAY, 17, 30))
    with pytest.raises(ValidationError) as refused:
        late.full_clean()
    assert refused.value.message_dict["starts_at"] == [
        "The clinic is open 08:00–18:00 on Fridays: this visit ends at 18:30."
    ]
    weekend = follow_up(course, next_weekday(north.clinic, SATURDAY, 10))
    with pytest.raises(ValidationError, match="closed on Saturdays"):
        weekend.full_clean()
    follow_up(course, next_weekday(north.clinic, FRIDAY, 17)).full_clean()


def test_an_integration_session_on_christmas_day_is_refused_by_the_service(dosed):
    """The walk's finding, through the phase's own booking service."""
    today = timezone.localdate(timezone=dosed.clinic.tz)
    christmas = datetime.date(today.year + (today > datetime.date(today.year, 12, 20)), 12, 25)
    ClosedDay.objects.create(clinic=dosed.clinic, date=christmas, reason="Christmas Day")
    start = datetime.datetime.combine(christmas, datetime.time(3), tzinfo=dosed.clinic.tz)
    dosed.session.refresh_from_db()  # discharged by the scene's update
    with pytest.raises(ValidationError) as refused:
        integration.book_integration_session(
            dosed.session,
            dosed.therapist.user,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            clinician=dosed.therapist,
        )
    words = f"The clinic is closed on {christmas:%a} 25 Dec {christmas.year} (Christmas Day)."
    assert words in str(refused.value)
    assert not Appointment.objects.filter(starts_at=start).exists()


def test_a_visit_already_booked_keeps_its_time_when_the_hours_shrink(north):
    course = north.courses[1]
    start = next_weekday(north.clinic, FRIDAY, 17)
    visit = follow_up(course, start)
    visit.full_clean()
    visit.save()
    office_hours(north.clinic)
    OpeningHours.objects.filter(clinic=north.clinic, weekday=FRIDAY).update(
        closes=datetime.time(16)
    )
    visit = Appointment.objects.get(pk=visit.pk)
    visit.status_reason = "Patient asked to keep it."
    visit.full_clean()
    visit.save()
    visit.starts_at += datetime.timedelta(minutes=15)
    visit.ends_at += datetime.timedelta(minutes=15)
    with pytest.raises(ValidationError, match="open 08:00–16:00 on Fridays"):
        visit.full_clean()


def test_a_clinic_without_hours_books_at_any_time_as_before(north):
    course = north.courses[1]
    follow_up(course, next_weekday(north.clinic, SATURDAY, 3)).full_clean()
    grid = calendar_grid(north.clinic, north.staff[Role.NURSE].user, first=at(north.clinic, 1, 0))
    assert (grid.frame.starts_label, grid.frame.ends_label) == ("07:00", "20:00")
    assert not any(day.shut or day.closed for day in grid.days)


def test_a_series_reports_the_session_on_a_closed_day_and_books_nothing(north):
    clear_course(north.courses[0], north.staff[Role.PRESCRIBER].user)
    sign_consent(north.courses[0])
    office_hours(north.clinic)
    first = next_weekday(north.clinic, FRIDAY, 10, after_days=3)
    closed = (first + datetime.timedelta(days=14)).date()
    ClosedDay.objects.create(clinic=north.clinic, date=closed, reason="Training day")
    plan = series_services.plan_series(
        north.courses[0],
        kind=Appointment.Kind.DOSING,
        first_starts_at=first,
        duration_minutes=150,
        every_days=7,
        count=4,
        clinician=north.staff[Role.NURSE],
        resource=room(north.clinic, "Dosing room 1"),
    )
    assert [o.number for o in plan.in_the_way] == [3]
    assert "(Training day)" in plan.occurrences[2].problem
    with pytest.raises(series_services.SeriesError, match="session 3 cannot be booked"):
        series_services.book_series(plan, by=north.staff[Role.NURSE].user)
    assert not Appointment.objects.filter(course=north.courses[0]).exists()


def test_open_slots_outside_the_hours_are_not_published(north):
    office_hours(north.clinic)
    admin = north.staff[Role.CLINIC_ADMIN].user
    friday = next_weekday(north.clinic, FRIDAY, 0).date()
    with pytest.raises(ValidationError, match="this visit starts at 07:00"):
        publish_slots(admin, day=friday, times=[datetime.time(7), datetime.time(9)], minutes=60)
    saturday = friday + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="closed on Saturdays"):
        publish_slots(admin, day=saturday, times=[datetime.time(10)], minutes=60)
    assert len(publish_slots(admin, day=friday, times=[datetime.time(9)], minutes=60)) == 1


def test_slots_published_before_the_hours_changed_are_no_longer_offered_outside_them(dosed):
    """Tomorrow's 10:00 and 14:00 slots: hours until 12:00 keep the first, a closed day none."""
    tomorrow = dosed.slot.starts_at.astimezone(dosed.clinic.tz).date()
    hours = OpeningHours.objects.create(
        clinic=dosed.clinic,
        weekday=tomorrow.weekday(),
        opens=datetime.time(9),
        closes=datetime.time(12),
    )
    assert list(OpenSlot.objects.offered(dosed.clinic.pk)) == [dosed.slot]
    hours.delete()
    ClosedDay.objects.create(clinic=dosed.clinic, date=tomorrow, reason="Staff training")
    assert list(OpenSlot.objects.offered(dosed.clinic.pk)) == []


def test_staff_cannot_propose_a_time_outside_the_hours(dosed):
    """Else the patient would accept a time the booking then refuses."""
    request = request_services.request_time(dosed.patient.user, dosed.course, slot=dosed.slot)
    late = dosed.slot.starts_at.astimezone(dosed.clinic.tz).replace(hour=21)
    OpeningHours.objects.create(
        clinic=dosed.clinic,
        weekday=late.weekday(),
        opens=datetime.time(9),
        closes=datetime.time(18),
    )
    with pytest.raises(ValidationError, match="this visit starts at 21:00"):
        request_services.propose(
            dosed.admin.user, request, starts_at=late, ends_at=late + datetime.timedelta(hours=1)
        )
    request.refresh_from_db()
    assert request.status == request.Status.REQUESTED


def test_the_week_shows_the_clinics_hours_and_its_closed_day(north, staff_client):
    office_hours(north.clinic)
    OpeningHours.objects.filter(clinic=north.clinic, weekday=FRIDAY).update(
        opens=datetime.time(9, 30), closes=datetime.time(19)
    )
    friday = next_weekday(north.clinic, FRIDAY, 0).date()
    monday = friday - datetime.timedelta(days=4)
    ClosedDay.objects.create(clinic=north.clinic, date=monday, reason="Bank holiday")
    nurse = north.staff[Role.NURSE]
    grid = calendar_grid(north.clinic, nurse.user, first=monday)
    # From the earliest opening (08:00) to the latest closing (19:00) of the week.
    assert (grid.frame.starts_label, grid.frame.ends_label) == ("08:00", "19:00")
    assert grid.days[0].closed == "Closed: Bank holiday"
    assert grid.days[4].shut == [(1, 18)]  # Friday: hatched 08:00–09:30, open until 19:00
    assert not any(column.free for column in grid.days[0].columns)  # nothing to book
    assert not any(column.free for column in grid.days[5].columns)  # Saturday: closed
    thursday_starts = [start.time() for _, start in grid.days[3].columns[0].free]
    assert min(thursday_starts) == datetime.time(8) and max(thursday_starts) < datetime.time(18)
    page = staff_client(nurse).get(reverse("calendar:week"), {"date": monday.isoformat()}).text
    assert "Closed: Bank holiday" in page
    assert "Closed on Saturdays" in page
    assert "cal-shut" in page  # the hatched band outside the day's hours


def admin_form(page):
    """The clinic's admin change form as the page filled it, ready to post back."""
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].field.prepare_value(form[name].initial)
        if value not in (None, False):
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for row in inline.formset.forms:
            for name in ("weekday", "opens", "closes"):
                if name in row.fields and row[name].initial is not None:
                    data[row.add_prefix(name)] = row[name].field.prepare_value(row[name].initial)
    return data


def test_a_new_clinic_starts_from_weekday_office_hours(client, superuser, enrol_mfa):
    enrol_mfa(superuser)
    client.force_login(superuser)
    page = client.get(reverse("admin:clinic_clinic_add"))
    added = client.post(reverse("admin:clinic_clinic_add"), admin_form(page) | {"name": "East"})
    assert added.status_code == 302
    hours = OpeningHours.objects.filter(clinic__name="East")
    assert [str(h) for h in hours] == [
        f"{day} 08:00–18:00" for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    ]


def test_the_clinic_admin_sets_hours_and_a_closed_day_under_their_clinic(world, staff_client):
    north, south = world.one, world.two
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("admin:clinic_clinic_change", args=[north.clinic.pk])
    page = client.get(url)
    assert "Opening hours, clinic time" in page.text and "Closed days" in page.text
    friday = next_weekday(north.clinic, FRIDAY, 0).date()
    data = admin_form(page) | {
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-0-weekday": str(FRIDAY),
        "opening_hours-0-opens": "09:00",
        "opening_hours-0-closes": "17:00",
        "closed_days-TOTAL_FORMS": "1",
        "closed_days-0-date": friday.isoformat(),
        "closed_days-0-reason": "Training day",
    }
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context and [
        saved.context["adminform"].form.errors,
        [inline.formset.errors for inline in saved.context["inline_admin_formsets"]],
    ]
    assert str(OpeningHours.objects.get(clinic=north.clinic)) == "Friday 09:00–17:00"
    assert ClosedDay.objects.get(clinic=north.clinic).reason == "Training day"
    with pytest.raises(ValidationError, match=r"\(Training day\)"):
        follow_up(north.courses[1], next_weekday(north.clinic, FRIDAY, 10)).full_clean()
    other = client.get(reverse("admin:clinic_clinic_change", args=[south.clinic.pk]))
    assert other.status_code in (302, 404)
    assert not OpeningHours.objects.filter(clinic=south.clinic).exists()
