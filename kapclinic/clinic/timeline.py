"""The chart timeline, open to every phase without the clinic app importing any of them.

A phase registers a source in its AppConfig.ready(): a function taking the patient and their
courses and returning TimelineEntry rows. Each source must run a fixed number of queries
whatever the size of the record, because the chart page asserts its query count.
"""

from dataclasses import dataclass

_sources = []


@dataclass
class TimelineEntry:
    at: object
    kind: str
    title: str
    detail: str = ""
    tone: str = "neutral"
    url: str = ""


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
