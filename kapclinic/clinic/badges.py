"""Badges beside a course on staff pages (caseload, chart, My day), open to every phase.

A phase adds a source in its own `badges.py`, decorated with `@register`: a function taking a
list of courses and returning {course id: [CourseBadge]}. The clinic app imports every app's
`badges` module once apps are ready. A source must run a fixed number of queries for any
number of courses, because the staff pages assert their query counts.
"""

from dataclasses import dataclass

_sources = []


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
