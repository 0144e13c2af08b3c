"""The outcomes page's read: per instrument the trend chart, the scores, and each judgement.

One read for two front doors: the outcomes page (integration.views.clinician) and the
course-summary PDF (the reports app, a floor up) show the same sections, so paper and
screen judge change by the same rules and draw the same chart. A fixed number of queries
whatever the number of scores.
"""

import base64
from dataclasses import dataclass

from django.utils import timezone

from kapclinic.clinic.models import Protocol
from kapclinic.clinic.timeline import stamp
from sessions.models import DosingSession

from .charts import trend_chart
from .outcome_rules import NOT_APPLICABLE
from .selectors import course_outcomes, first_doses, measurements_by_course


@dataclass(frozen=True)
class OutcomePage:
    protocol: object  # the clinic's signed-off protocol whose rules judged change, or None
    instruments: list  # one section (dict) per instrument the protocol has rules for
    dose_times: list  # when each dosing session started, marked on the charts
    scores: dict  # measurements_by_course() of the course, for the time points (read once)
    started: object  # the course's first dose, or None


def chart_image(svg):
    """The chart as a data: URI for an <img>: its own <style> then applies inside the image,
    and the page's CSP (style-src 'self', img-src 'self' data:) is untouched."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def chart_alt(outcome, points, doses, tz):
    name = outcome.short_name
    if not points:
        return f"No {name} scores yet."

    def day(m):
        return timezone.localtime(m.at, tz).strftime("%-d %b %Y")

    first, last = points[0], points[-1]
    text = (
        f"{name} totals over the course: {len(points)} score{'s' if len(points) != 1 else ''}, "
        f"from {first.total} on {day(first)} to {last.total} on {day(last)}, "
        "on shaded severity bands"
    )
    if doses:
        text += f"; {len(doses)} dosing session{'s' if len(doses) != 1 else ''} marked"
    return text + ". Every score is listed in the table below the chart."


def shown(judgement):
    """A judgement's value in words: yes/no, signed points, a signed percentage."""
    value = judgement.value
    if judgement.not_applicable:
        return NOT_APPLICABLE
    if not judgement.computable:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if judgement.label == "Percent change":
        return f"{value:+}%"
    if judgement.label == "Change":
        return f"{value:+d} point{'s' if abs(value) != 1 else ''}"
    return str(value)


def score_row(point, tz):
    """A score of the page's table, its time formatted once here rather than twice per row in
    the template (the filters `date:'c'` and `date:"j M Y, H:i"`, same output)."""
    iso, shown_at = stamp(point.at, tz)
    return {"iso": iso, "shown_at": shown_at, "total": point.total, "purpose": point.purpose_label}


def outcome_page(course, *, dose_times=None):
    """Per instrument: the outcome, its scores (`points`, and `scores` formatted for the
    table), the trend chart with the dosing sessions marked, and the judgements in words.

    `dose_times`: when the course's dosing sessions started, if the caller has read them.
    """
    tz = course.clinic.tz
    protocol = Protocol.objects.effective_for(course.clinic)
    rules = (protocol.outcome_rules or {}) if protocol else {}
    series = measurements_by_course([course.pk], list(rules))
    started = first_doses([course.pk]).get(course.pk)
    outcomes = course_outcomes(course, protocol, scores=series, started=started)
    if dose_times is None:
        dose_times = list(
            DosingSession.objects.filter(course=course)
            .order_by("started_at")
            .values_list("started_at", flat=True)
        )
    instruments = []
    for outcome in outcomes:
        points = series.get((course.pk, outcome.instrument), [])
        chart = None
        if points:
            svg = trend_chart(outcome.instrument, points, dose_times=dose_times, tz=tz)
            chart = {"src": chart_image(svg), "alt": chart_alt(outcome, points, dose_times, tz)}
        instruments.append(
            {
                "outcome": outcome,
                "points": points,
                "scores": [score_row(point, tz) for point in points],
                "chart": chart,
                "judgements": [{"judgement": j, "shown": shown(j)} for j in outcome.judgements],
            }
        )
    return OutcomePage(protocol, instruments, dose_times, series, started)
