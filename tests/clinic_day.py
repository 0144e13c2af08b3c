"""A clinic whose date is not the server's (Europe/London) at the real time of the test run."""

import datetime
import zoneinfo

from django.utils import timezone

AHEAD, BEHIND = "Pacific/Kiritimati", "Pacific/Pago_Pago"  # UTC+14 and UTC-11


def zone_on_another_day():
    """Kiritimati or Pago Pago, whichever has a date other than the server's now (one always
    has: together they span 25 hours)."""
    server = timezone.localdate()
    for name in (AHEAD, BEHIND):
        if timezone.localdate(timezone=zoneinfo.ZoneInfo(name)) != server:
            return name
    raise AssertionError("Kiritimati and Pago Pago both share the server's date")


def move_to_another_day(clinic):
    """Put `clinic` in a zone whose date is not the server's; return the clinic's today."""
    clinic.time_zone = zone_on_another_day()
    clinic.save()
    assert clinic.today() != timezone.localdate()
    return clinic.today()


def years_before(day, years):
    """The same day `years` earlier: a birthday that makes someone that age on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: the birthday is kept on 1 March in common years
        return datetime.date(day.year - years, 3, 1)
