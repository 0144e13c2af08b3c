"""When vitals are due: the protocol's monitoring minutes counted from the first dose (§4.2)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .gate import first_dose_at
from .models import VitalSigns

# A reading counts for a due time when taken within this much of it (and never nearer to the
# neighbouring due time): 10 minutes either side, or half the gap when times are closer.
MAX_WINDOW = timedelta(minutes=10)


class Due:
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class DueReading:
    minute: int
    due_at: datetime | None  # None until the first dose fixes the clock
    window: timedelta
    status: str
    reading: VitalSigns | None

    @property
    def label(self):
        return "Baseline, before the dose" if self.minute == 0 else f"{self.minute} min after"


@dataclass(frozen=True)
class MonitoringStatus:
    readings: tuple

    @property
    def done(self):
        return [r for r in self.readings if r.status == Due.DONE]

    @property
    def overdue(self):
        return [r for r in self.readings if r.status == Due.OVERDUE]

    @property
    def next_due(self):
        """The first reading still to take (due now or later), or None."""
        return next((r for r in self.readings if r.status in (Due.DUE, Due.UPCOMING)), None)


def _windows(minutes):
    """Each minute's tolerance: at most MAX_WINDOW, at most half the gap to a neighbour."""
    windows = []
    for index, minute in enumerate(minutes):
        neighbours = minutes[max(index - 1, 0) : index] + minutes[index + 1 : index + 2]
        gaps = [timedelta(minutes=abs(minute - other)) / 2 for other in neighbours]
        windows.append(min([MAX_WINDOW, *gaps]))
    return windows


def due_readings(session, now=None, *, doses=None, readings=None):
    """Which scheduled readings are done, which is next and when, which are overdue.

    `doses` and `readings` (in effect), in time order, save reading them again when the
    caller already holds them."""
    now = now or timezone.now()
    minutes = list(session.thresholds.monitoring_minutes)
    if readings is None:
        readings = session.vitals.order_by("taken_at", "pk")
    readings = sorted(readings, key=lambda r: (r.taken_at, r.pk))
    dose_at = first_dose_at(session, doses)
    used = set()
    result = []
    for minute, window in zip(minutes, _windows(minutes), strict=True):
        if minute == 0:
            before = [r for r in readings if dose_at is None or r.taken_at <= dose_at]
            match = before[-1] if before else None
            if match is not None:
                used.add(match.pk)
            status = Due.DONE if match else (Due.OVERDUE if dose_at else Due.DUE)
            result.append(DueReading(0, dose_at, window, status, match))
            continue
        if dose_at is None:
            result.append(DueReading(minute, None, window, Due.UPCOMING, None))
            continue
        due_at = dose_at + timedelta(minutes=minute)
        candidates = [
            r
            for r in readings
            if r.pk not in used and r.taken_at > dose_at and abs(r.taken_at - due_at) <= window
        ]
        match = min(candidates, key=lambda r: abs(r.taken_at - due_at), default=None)
        if match is not None:
            used.add(match.pk)
            status = Due.DONE
        elif now > due_at + window:
            status = Due.OVERDUE
        elif now >= due_at - window:
            status = Due.DUE
        else:
            status = Due.UPCOMING
        result.append(DueReading(minute, due_at, window, status, match))
    return MonitoringStatus(tuple(result))
