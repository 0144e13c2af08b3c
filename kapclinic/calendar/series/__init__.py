"""Recurring series: N sessions every k days, planned, reviewed, then booked in one action.

`planning.plan_series` lays the occurrences out and says, for each, what stands in its way in
words (the same checks as one booking: `Appointment.clean()` and its clashes, dosing's
`booking_refusal`, integration after its dosing session); nothing is saved.
`all_or_none.book_series` books every occurrence through the phase's own booking service in ONE
transaction: if any occurrence still clashes (a clash found then, or the database refusing a
slot taken a moment ago), nothing at all is booked.
"""

from .all_or_none import (
    BOOKED_AT_THE_SAME_TIME,
    book_series,
    cancel_occurrence,
    cancel_rest_of_series,
)
from .planning import (
    Occurrence,
    SeriesError,
    SeriesPlan,
    in_words,
    occurrence_times,
    plan_series,
    planned_occurrences,
    skipped_by_the_clocks,
)

__all__ = [
    "BOOKED_AT_THE_SAME_TIME",
    "Occurrence",
    "SeriesError",
    "SeriesPlan",
    "book_series",
    "cancel_occurrence",
    "cancel_rest_of_series",
    "in_words",
    "occurrence_times",
    "plan_series",
    "planned_occurrences",
    "skipped_by_the_clocks",
]
