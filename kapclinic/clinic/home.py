"""The patient's home page tasks, open to every phase without the clinic app importing any.

A phase adds a source in its own `home.py`, decorated with `@register`: a function taking the
patient and their current course and returning HomeTask rows (a questionnaire due, a journal to
write in). The clinic app imports every app's `home` module once apps are ready. Each
source must run a fixed number of queries, because the home page asserts its query count.
"""

from dataclasses import dataclass
from datetime import datetime

_sources = []


@dataclass(frozen=True)
class HomeTask:
    title: str
    url: str
    due: datetime | None = None
    badge: str = ""  # the state in words, e.g. "Overdue"; the colour only reinforces it
    tone: str = "neutral"  # a design-system badge tone: neutral, info, success, warning, danger
    detail: str = ""
    first: bool = False  # comes before every dated task (a consent to sign before dosing)


def register(source):
    """Add a home-task source; usable as a decorator. Registering twice is harmless."""
    if source not in _sources:
        _sources.append(source)
    return source


def home_tasks(patient, course):
    """Every phase's tasks for this patient: those marked `first`, then those with a due
    date, soonest first."""
    if course is None:
        return []
    tasks = []
    for source in _sources:
        tasks.extend(source(patient, course))
    return sorted(
        tasks, key=lambda task: (not task.first, task.due is None, task.due or datetime.min)
    )
