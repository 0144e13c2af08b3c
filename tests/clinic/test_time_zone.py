"""Times read in the clinic's own zone, whoever looks and wherever the server is."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def new_york_appointment(world):
    clinic = world.one.clinic
    clinic.time_zone = "America/New_York"
    clinic.save()
    start = datetime.datetime.combine(
        datetime.date.today() + datetime.timedelta(days=3), datetime.time(13, 0), tzinfo=NEW_YORK
    )
    return AppointmentFactory(
        course=world.one.courses[0], starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )


def test_staff_see_the_clinic_time_on_the_chart(world, staff_client, new_york_appointment):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    page = client.get(reverse("clinic:patient-chart", args=[world.one.patients[0].pk]))
    assert "13:00" in page.content.decode()


def test_patients_see_the_clinic_time_on_their_journey(world, client, new_york_appointment):
    client.force_login(world.one.patients[0].user)
    page = client.get(reverse("clinic:my-journey"))
    assert "13:00" in page.content.decode()


@pytest.mark.parametrize(
    "at",
    [
        datetime.datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=datetime.UTC),  # before DST
        datetime.datetime(2026, 3, 8, 7, 0, tzinfo=datetime.UTC),  # after the clocks go forward
        datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC),  # a new year in UTC only
        datetime.datetime(2026, 7, 4, 9, 5, tzinfo=NEW_YORK),
    ],
)
def test_timeline_times_read_as_the_date_filter_prints_them(at):
    """The chart and outcome page format times once in Python: same text as the template."""
    from django.template import Context, Template
    from django.utils import timezone

    from kapclinic.clinic.timeline import stamp

    template = Template("""{{ at|date:'c' }}|{{ at|date:"j M Y, H:i" }}""")
    with timezone.override(NEW_YORK):
        expected = template.render(Context({"at": at}))
        assert "|".join(stamp(at)) == expected
    assert "|".join(stamp(at, NEW_YORK)) == expected
