"""Badges beside a course on staff pages (caseload, chart, My day), open to every phase.

A phase adds a source in its own `badges.py`, decorated with `@register`: a function taking a
list of courses and returning {course id: [CourseBadge]}. The clinic app imports every app's
`badges` module once apps are ready. A source must run a fixed number of queries for any
number of courses, because the staff pages assert their query counts.

A source may also give a list page a hint in SQL (`register_hint`): an expression annotated on
the list's own query, true when the course may have a badge of that source. A page that reads
its courses with the hints (`badge_hints`, the caseload) spares the source's queries whenever no
row of the page is hinted; the source still decides every badge itself.
"""

from dataclasses import dataclass

_sources = []
_hints = {}


@dataclass(frozen=True)
class CourseBadge:
    label: str  # the state in words, e.g. "Consent v2.0 to sign"; the colour only reinforces it
    tone: str = "warning"  # a design-system badge tone
    detail: str = ""  # a longer explanation, for a title or the chart


def register(source):
    """Add a badge source; usable as a decorator. Registering twice is harmless."""
    if source not in _sources:
        _sources.append(source)
    return source


def register_hint(name, expression):
    """Name a source's hint: `expression(clinic)` is a boolean expression over TreatmentCourse
    that is true whenever a badge of the source may apply (false only when none can); `clinic`
    is the one clinic whose courses the list shows, or None when it may show several."""
    _hints[name] = expression


def badge_hints(clinic=None):
    """{annotation name: expression} for a courses query that wants to spare badge queries;
    `clinic` when every course listed is of that clinic (its day decides date rules)."""
    return {name: expression(clinic) for name, expression in _hints.items()}


def hinted(courses, name):
    """The courses whose hint `name` is not false: all of them when it was not read."""
    return [course for course in courses if getattr(course, name, True)]


def course_badges(courses):
    """{course id: [CourseBadge]} from every phase, for the given courses."""
    courses = list(courses)
    badges = {}
    if not courses:
        return badges
    for source in _sources:
        for course_id, rows in source(courses).items():
            badges.setdefault(course_id, []).extend(rows)
    return badges


def attach_badges(courses):
    """Set `course.badges` (a list, maybe empty) on each course; returns the courses."""
    courses = list(courses)
    found = course_badges(courses)
    for course in courses:
        course.badges = found.get(course.pk, [])
    return courses
