"""The chart timeline, open to every phase without the clinic app importing any of them.

A phase adds a source in its own `timeline.py`, decorated with `@register`: a function taking
the patient and their courses and returning TimelineEntry rows. The clinic app imports every
app's `timeline` module once apps are ready (`plugins.discover`), as the admin finds admin.py.
Each source must run a fixed number of queries whatever the size of the record, because the
chart page asserts its query count.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.dates import MONTHS_3

_sources = []


def stamp(at, tz=None):
    """(ISO 8601, "6 Dec 2026, 14:05") in the current time zone, as the template filters
    `date:'c'` and `date:"j M Y, H:i"` print it: a timeline of a hundred entries formats each
    moment once in Python instead of twice through the template engine."""
    if timezone.is_aware(at):
        at = at.astimezone(tz or timezone.get_current_timezone())
    return at.isoformat(), f"{at.day} {MONTHS_3[at.month].title()} {at.year:04d}, {at:%H:%M}"


def person_name(first_name, last_name, email):
    """A login's name as `User.__str__` spells it, from plain rows: "Ada Lovelace" or the
    email address when no name is given (None when there is no such person)."""
    if email is None:
        return None
    return f"{first_name} {last_name}".strip() or email


@dataclass
class TimelineEntry:
    at: object
    kind: str
    title: str
    detail: str = ""
    tone: str = "neutral"
    url: str = ""
    iso: str = ""
    shown_at: str = ""

    def stamp(self, tz):
        self.iso, self.shown_at = stamp(self.at, tz)


def register(source):
    """Add a timeline source; usable as a decorator. Registering twice is harmless."""
    if source not in _sources:
        _sources.append(source)
    return source


def phase_entries(patient, courses):
    entries = []
    for source in _sources:
        entries.extend(source(patient, courses))
    return entries


def course_timeline(patient, courses, appointments, flags):
    """The chart's timeline rows for these courses, unsorted: each invitation and journey
    step, appointments, safety flags raised and resolved, then every phase's own rows.

    One read for the patient chart and the course-summary PDF, so both tell the same story.
    `courses` come with their `events` (and each event's actor) prefetched.
    """
    entries = []
    for course in courses:
        invited = f"Invited: {course.get_indication_display()}"
        entries.append(TimelineEntry(course.created_at, "course", invited))
        for event in course.events.all():
            detail = f"by {event.actor}" + (f" — {event.note}" if event.note else "")
            state = f"{event.get_to_state_display()}"
            entries.append(TimelineEntry(event.at, "journey", state, detail, "info"))
    for appt in appointments:
        who = f" with {appt.clinician}" if appt.clinician else ""
        what = f"{appt.get_kind_display()}{who}"
        entries.append(
            TimelineEntry(appt.starts_at, "appointment", what, appt.get_status_display())
        )
    for flag in flags:
        raised = f"Safety flag: {flag.source}"
        entries.append(TimelineEntry(flag.raised_at, "flag", raised, flag.reason, "danger"))
        if flag.resolved_at:
            detail = f"by {flag.resolved_by} — {flag.action_taken}"
            resolved = "Safety flag resolved"
            entries.append(TimelineEntry(flag.resolved_at, "flag", resolved, detail, "success"))
    entries.extend(phase_entries(patient, courses))
    return entries
