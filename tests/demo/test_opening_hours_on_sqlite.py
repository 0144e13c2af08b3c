"""The SQLite demo judges a visit against the clinic's opening hours too: the hours and closed
days are read in one query that SQLite must accept (`make demo` seeds the demo clinic's hours
and books through the same rule)."""

from .sqlite_demo import run_on_fresh_sqlite

# Runs inside `manage.py shell` on a freshly migrated SQLite database.
SCRIPT = """
import datetime
from django.core.exceptions import ValidationError
from kapclinic.clinic.models import Appointment
from kapclinic.clinic.models.opening_hours import ClosedDay, OpeningHours
from tests.factories import CourseFactory

course = CourseFactory()
clinic = course.clinic
tz = clinic.tz
for weekday in range(5):
    OpeningHours.objects.create(
        clinic=clinic, weekday=weekday, opens=datetime.time(8), closes=datetime.time(18)
    )
today = datetime.date.today()
tuesday = today + datetime.timedelta(days=7 + (1 - today.weekday()) % 7)
ClosedDay.objects.create(
    clinic=clinic, date=tuesday + datetime.timedelta(days=1), reason="Christmas Day"
)


def judged(day, hour):
    start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
    visit = Appointment(
        course=course,
        kind="integration",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    try:
        visit.full_clean()
    except ValidationError as error:
        return " ".join(error.message_dict.get("starts_at", ["other refusal"]))
    return "accepted"


print("night:", judged(tuesday, 3))
print("closed day:", judged(tuesday + datetime.timedelta(days=1), 10))
print("tuesday morning:", judged(tuesday, 10))

# Slots published before the hours were set: only the one within them is offered.
from kapclinic.calendar.models import OpenSlot

for hour in (3, 10):
    start = datetime.datetime.combine(tuesday, datetime.time(hour), tzinfo=tz)
    OpenSlot.objects.create(
        clinic=clinic,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        published_by=course.patient.user,
    )
offered = OpenSlot.objects.offered(clinic.pk)
print("offered:", [slot.starts_at.astimezone(tz).hour for slot in offered])
"""


def test_sqlite_refuses_a_visit_outside_the_clinics_hours(fresh_sqlite):
    output = run_on_fresh_sqlite(fresh_sqlite, SCRIPT)
    night = "night: The clinic is open 08:00–18:00 on Tuesdays: this visit starts at 03:00."
    assert night in output
    assert "closed day: The clinic is closed on Wed " in output
    assert "(Christmas Day)." in output
    assert "tuesday morning: accepted" in output
    assert "offered: [10]" in output
