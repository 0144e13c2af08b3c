"""`{{ when|day_and_time }}`: a visit's day and time as pages show it, with its year when it is
not this year's, so a visit mistyped years ahead is never read as this week's."""

from django import template
from django.template.defaultfilters import date
from django.utils import timezone

register = template.Library()

STYLES = {"short": ("D j M", "D j M Y"), "long": ("l j F", "l j F Y")}


@register.filter
def day_and_time(value, style="short"):
    """“Tue 8 Dec, 10:00” (short) or “Tuesday 8 December, 10:00” (long), in the current time
    zone; the year follows the day when it differs from today's."""
    if not value:
        return ""
    this_year, other_year = STYLES[style]
    local = timezone.template_localtime(value)
    day = this_year if local.year == timezone.localdate().year else other_year
    return date(value, f"{day}, H:i")
