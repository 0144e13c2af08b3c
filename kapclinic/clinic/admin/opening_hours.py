"""A clinic's opening hours and closed days, edited under the clinic by its own admin.

The clinic's change page is scoped to the admin's clinic (`ClinicAdmin`), so are these rows;
Django's change history of the clinic lists each hour and closed day added, changed or removed.
"""

from django.contrib import admin

from ..models import ClosedDay, OpeningHours
from ..models.opening_hours import DEFAULT_HOURS


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    fields = ["weekday", "opens", "closes"]
    max_num = len(OpeningHours._meta.get_field("weekday").choices)
    verbose_name_plural = (
        "Opening hours, clinic time: visits are booked within them. A weekday not listed is "
        "closed; with none listed, visits may be booked at any time."
    )

    def get_extra(self, request, obj=None, **kwargs):
        """A new clinic starts from Monday to Friday, 08:00–18:00, to change as it wishes."""
        return len(DEFAULT_HOURS) if obj is None else 0


def default_hours_initial():
    return [
        {"weekday": day, "opens": opens, "closes": closes}
        for day, (opens, closes) in DEFAULT_HOURS.items()
    ]


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    fields = ["date", "reason"]
    extra = 0
    verbose_name_plural = "Closed days: bank holidays, training days (no visit is booked)"
