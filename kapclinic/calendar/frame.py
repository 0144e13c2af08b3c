"""The hours the calendar shows, cut in 5-minute rows: from the earliest opening to the latest
closing of the days shown (whole hours), or 07:00–20:00 for a clinic with no hours set.

Each day's column is shaded outside that day's own hours (the whole column on a closed day)
and offers no empty slot to book there; `static/css/calendar.css` draws the shading hatched,
with the word "Closed", so it does not rest on colour alone.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

ROW_MINUTES = 5
# With no opening hours set (clinic time): what the calendar showed before hours existed.
DAY_STARTS, DAY_ENDS = 7 * 60, 20 * 60
WHOLE_DAY = 24 * 60


def minutes_of(moment):
    """Wall-clock minutes from midnight, a started minute counted whole: a block keeps its
    printed time on the day the clocks change."""
    return moment.hour * 60 + moment.minute + (1 if moment.second or moment.microsecond else 0)


@dataclass(frozen=True)
class Frame:
    """The grid's first and last minute of the day, clinic time, on whole hours."""

    starts: int = DAY_STARTS
    ends: int = DAY_ENDS

    @classmethod
    def of(cls, hours, dates):
        """From a `ClinicHours`: the days shown that open, else the week's hours, else 7–20."""
        windows = [w for w in map(hours.window, dates) if w and w[0] is not None]
        windows = windows or list(hours.week.values())
        if not windows:
            return cls()
        opens = min(minutes_of(opens) for opens, _ in windows)
        closes = max(minutes_of(closes) for _, closes in windows)
        return cls(opens // 60 * 60, min(-(-closes // 60) * 60, WHOLE_DAY))

    @property
    def rows(self):
        return (self.ends - self.starts) // ROW_MINUTES

    @property
    def hour_count(self):
        return (self.ends - self.starts) // 60

    @property
    def hours(self):
        """(row, "HH:MM") of each hour mark."""
        return [
            ((h * 60 - self.starts) // ROW_MINUTES + 1, f"{h:02d}:00")
            for h in range(self.starts // 60, self.ends // 60)
        ]

    @property
    def starts_label(self):
        return f"{self.starts // 60:02d}:00"

    @property
    def ends_label(self):
        return f"{self.ends // 60:02d}:00"

    def edge(self, day, minutes, tz):
        """The aware moment `minutes` after midnight of `day` (24:00 is the next midnight)."""
        day += datetime.timedelta(days=minutes // WHOLE_DAY)
        minutes %= WHOLE_DAY
        return datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), tz)

    def row_at(self, moment):
        """The 5-minute row (from 1) a wall-clock moment falls in."""
        return (minutes_of(moment) - self.starts) // ROW_MINUTES + 1

    def now_row(self, now, tz):
        row = self.row_at(timezone.localtime(now, tz))
        return row if 1 <= row <= self.rows else None

    def shut(self, window):
        """(row, rows) of each band of a column outside the day's hours; all of it if closed."""
        if window is None:
            return [(1, self.rows)]
        opens, closes = window
        if opens is None:
            return []
        bands = []
        top = (minutes_of(opens) - self.starts) // ROW_MINUTES
        if top > 0:
            bands.append((1, top))
        bottom = -(-(minutes_of(closes) - self.starts) // ROW_MINUTES)
        if bottom < self.rows:
            bands.append((bottom + 1, self.rows - bottom))
        return bands

    def day_slots(self, day, tz, now, slot_minutes, window):
        """(row, clinic time) of each slot of the day that starts after `now` and lies within
        the day's hours: none on a closed day."""
        if window is None:
            return []
        opens, closes = window
        first = self.starts if opens is None else max(self.starts, minutes_of(opens))
        last = self.ends if closes is None else min(self.ends, minutes_of(closes))
        slots = []
        for minutes in range(self.starts, self.ends, slot_minutes):
            if minutes < first or minutes + slot_minutes > last:
                continue
            local = self.edge(day, minutes, tz)
            if local > now:
                slots.append(((minutes - self.starts) // ROW_MINUTES + 1, local))
        return slots
