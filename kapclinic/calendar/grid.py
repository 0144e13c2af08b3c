"""The calendar's one read: a day or a week as columns (clinicians or rooms) of placed blocks.

Four queries of plain rows whatever the number of appointments (`reads.py`): the clinic's
clinicians, its rooms and chairs (`Resource`), the appointments of the range, and the clinic's
opening hours with its closed days of the range (`frame.py`). Times are placed in the clinic's
own time zone, so a block sits at its wall-clock time on either side of a change of the clocks.
The grid is cut in 5-minute rows (`ROW_MINUTES`); the stylesheet places a block by its first
row and its number of rows, as `static/css/calendar.css` says.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from kapclinic.clinic.models import Appointment
from kapclinic.clinic.models.opening_hours import ClinicHours, Weekday
from kapclinic.clinic.models.scheduling import LIVE_STATUSES, STATUS_TONE
from sessions.booking import SESSION_STATE

from .frame import ROW_MINUTES, Frame, minutes_of
from .reads import appointment_rows, clinic_rooms, clinician_rows, with_names

CLINICIAN, ROOM = "clinician", "room"
AXES = {CLINICIAN: "Clinician", ROOM: "Room"}
# The hours the grid shows are the clinic's (`frame.Frame`); an appointment across an edge is
# cut there, one wholly outside them is listed under the grid (`Grid.outside`), never left off.
SLOT_MINUTES = 30
MAX_LANES = 4
NONE_KEY = ""  # the column of appointments with no clinician, or no room or chair
KIND_LABELS = {kind.value: str(kind.label) for kind in Appointment.Kind}
STATUS_LABELS = {status.value: str(status.label) for status in Appointment.Status}


@dataclass
class Block:
    pk: int
    kind: str
    kind_label: str
    status: str
    state: str
    tone: str
    patient: str
    starts_at: datetime.datetime  # clinic time
    ends_at: datetime.datetime
    clinician: str
    room: str  # the room or chair's name
    row: int  # first 5-minute row, from 1
    rows: int
    live: bool
    lane: int = 1
    cut_before: bool = False
    cut_after: bool = False
    times: str = ""  # “10:00–11:00”
    label: str = ""  # what a screen reader says: “10:00–11:00 Dosing session, Sam R., Booked”

    def __post_init__(self):
        start, end = self.starts_at, self.ends_at
        self.times = f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"
        self.label = f"{self.times} {self.kind_label}, {self.patient}, {self.state}"


@dataclass
class Column:
    key: str  # a clinician's or a room's pk, as text
    label: str
    day: datetime.date
    axis: str
    blocks: list = field(default_factory=list)
    lanes: int = 1
    free: list = field(default_factory=list)  # (row, local start) of each bookable slot

    @property
    def booking_query(self):
        """What the booking form is given for this column: the clinician or the room."""
        if self.key == NONE_KEY:
            return {}
        return {"resource": self.key} if self.axis == ROOM else {"clinician": self.key}


@dataclass
class Day:
    date: datetime.date
    is_today: bool
    columns: list
    now_row: int | None = None  # the 5-minute row of "now", on today only
    closed: str = ""  # "Closed: Christmas Day", "Closed on Saturdays"
    opening: str = ""  # the day's hours, "08:00–18:00", when the clinic has set hours
    shut: list = field(default_factory=list)  # (row, rows) of each band outside the hours


@dataclass
class Grid:
    clinic: object
    axis: str
    first: datetime.date
    days: list
    frame: Frame  # the hours shown
    filters: dict
    clinicians: list  # (pk, name) of the clinic's clinicians, for the filter
    rooms: list  # (pk, name) of the clinic's rooms and chairs, for the filter
    appointment_count: int = 0
    outside: list = field(default_factory=list)  # blocks wholly outside the grid's hours

    @property
    def last(self):
        return self.days[-1].date

    @property
    def hours(self):
        return self.frame.hours

    @property
    def shaded(self):
        """Whether some time shown is outside the clinic's hours (the legend says so)."""
        return any(day.shut for day in self.days)


def short_name(preferred, legal):
    """“Sam R.”: the name the patient goes by and an initial, enough for a shared screen."""
    parts = (legal or "").split()
    first = (preferred or "").strip() or (parts[0] if parts else "")
    if len(parts) > 1:
        return f"{first} {parts[-1][0]}."
    return first


def provider_name(first, last, email, credentials):
    name = f"{first} {last}".strip() or email
    return f"{name}, {credentials}" if credentials else name


def week_of(day):
    """The Monday that starts `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def calendar_grid(
    clinic, user, *, first, days=7, axis=CLINICIAN, filters=None, now=None, slot_minutes=None
):
    """Columns of blocks for `days` days from `first`, for what `user` may see of `clinic`.

    `filters`: clinician and room (pks) and kind (an Appointment.Kind), each optional.
    `slot_minutes`: the length of a bookable empty slot (30 on a day, 60 on a week).
    """
    slot_minutes = slot_minutes or (SLOT_MINUTES if days == 1 else 60)
    filters = {k: v for k, v in (filters or {}).items() if v}
    tz = clinic.tz
    now = now or timezone.now()
    dates = [first + datetime.timedelta(days=i) for i in range(days)]
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(dates[-1] + datetime.timedelta(days=1), start.time(), tz)
    opening = ClinicHours.read(clinic.pk, first, dates[-1])  # once for the page
    frame = Frame.of(opening, dates)

    people = clinician_rows(clinic, user)
    rooms = clinic_rooms(clinic, user)
    appointments = appointment_rows(clinic, user, start, end, filters)
    with_names(appointments, people, rooms, user)
    clinicians = [(pk, provider_name(*names)) for pk, *names in people]
    names = dict(clinicians)
    if axis == ROOM:
        keys = [(str(pk), name) for pk, name in rooms]
        if filters.get("room"):
            keys = [(k, label) for k, label in keys if k == str(filters["room"])]
    else:
        keys = [(str(pk), name) for pk, name in clinicians]
        if filters.get("clinician"):
            keys = [(k, label) for k, label in keys if k == str(filters["clinician"])]
    known = {k for k, _ in keys}
    extra = {}  # a column for appointments whose clinician left, or with none / no room
    for a in appointments:
        key = _key_of(a, axis)
        if key not in known and key not in extra:
            extra[key] = _extra_label(a, axis)
    keys += sorted(extra.items(), key=lambda item: (item[0] == NONE_KEY, item[1]))

    by_column = {}
    for a in appointments:
        a["local_start"] = a["starts_at"].astimezone(tz)
        a["local_end"] = a["ends_at"].astimezone(tz)
        by_column.setdefault((a["local_start"].date(), _key_of(a, axis)), []).append(a)

    today = timezone.localdate(now, timezone=tz)
    grid_days, outside = [], []
    for day in dates:
        columns = []
        window = opening.window(day)
        slots = frame.day_slots(day, tz, now, slot_minutes, window)
        edges = frame.edge(day, frame.starts, tz), frame.edge(day, frame.ends, tz)
        for key, label in keys:
            column = Column(key=key, label=label, day=day, axis=axis)
            for a in by_column.get((day, key), ()):
                block = _block(a, day, edges, names, frame)
                (column.blocks if block.rows else outside).append(block)
            column.lanes = _assign_lanes(column.blocks)
            if slots and not (key == NONE_KEY and axis == CLINICIAN):
                column.free = _free_slots(column.blocks, slots, slot_minutes // ROW_MINUTES)
            columns.append(column)
        grid_days.append(
            Day(
                date=day,
                is_today=day == today,
                columns=columns,
                now_row=frame.now_row(now, tz) if day == today else None,
                closed=_closed_words(opening, day, window),
                opening=f"{window[0]:%H:%M}–{window[1]:%H:%M}" if window and window[0] else "",
                shut=frame.shut(window),
            )
        )
    return Grid(
        clinic=clinic,
        axis=axis,
        first=first,
        days=grid_days,
        frame=frame,
        filters=filters,
        clinicians=clinicians,
        rooms=rooms,
        appointment_count=len(appointments),
        outside=sorted(outside, key=lambda block: (block.starts_at, block.pk)),
    )


def _closed_words(opening, day, window):
    if day in opening.closed:
        return f"Closed: {opening.closed[day]}"
    return "" if window else f"Closed on {Weekday(day.weekday()).label}s"


def _key_of(row, axis):
    if axis == ROOM:
        return str(row["resource_id"]) if row["resource_id"] else NONE_KEY
    return str(row["clinician_id"]) if row["clinician_id"] else NONE_KEY


def _extra_label(row, axis):
    if axis == ROOM:
        return row["resource__name"] or "No room or chair"
    if not row["clinician_id"]:
        return "No clinician"
    return provider_name(
        row["clinician__user__first_name"],
        row["clinician__user__last_name"],
        row["clinician__user__email"],
        row["clinician__credentials"],
    )


def _block(row, day, edges, names, frame):
    """The block of one appointment on `day`, cut at the grid's hours, `edges` (the day's first
    and last moment shown; no rows: outside them)."""
    starts, ends = row["local_start"], row["local_end"]
    top, bottom = edges
    shown_from, shown_to = max(starts, top), min(ends, bottom)
    outside = shown_to <= shown_from
    first = 0 if outside else frame.row_at(shown_from)
    to_minutes = minutes_of(shown_to) + (1440 if shown_to.date() > day else 0)
    after = -(-(to_minutes - frame.starts) // ROW_MINUTES) + 1
    status = row["status"]
    session = row["dosing_session__status"]
    if session and status not in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW):
        state, tone = SESSION_STATE[session]
    else:
        state, tone = STATUS_LABELS[status], STATUS_TONE[status]
    return Block(
        pk=row["pk"],
        kind=row["kind"],
        kind_label=KIND_LABELS[row["kind"]],
        status=status,
        state=str(state),
        tone=tone,
        patient=short_name(row["patient__preferred_name"], row["patient__legal_name"]),
        starts_at=starts,
        ends_at=ends,
        clinician=names.get(row["clinician_id"]) or _extra_label(row, CLINICIAN)
        if row["clinician_id"]
        else "",
        room=row["resource__name"] or "",
        row=first,
        rows=0 if outside else max(after - first, 1),
        live=status in LIVE_STATUSES,
        cut_before=starts < top,
        cut_after=ends > bottom,
    )


def _assign_lanes(blocks):
    """Side by side where blocks overlap (a no-show and the visit booked in its place)."""
    lane_ends = []
    for block in blocks:
        for i, end in enumerate(lane_ends):
            if end < block.row:
                lane_ends[i] = block.row + block.rows - 1
                block.lane = i + 1
                break
        else:
            lane_ends.append(block.row + block.rows - 1)
            block.lane = min(len(lane_ends), MAX_LANES)
    return min(max(len(lane_ends), 1), MAX_LANES)


def _free_slots(blocks, slots, step):
    """The slots no live block covers, even in part: each is a link to book it."""
    busy = set()
    for block in blocks:
        if block.live:
            busy.update(range(block.row, block.row + block.rows))
    if not busy:
        return slots
    return [(row, local) for row, local in slots if busy.isdisjoint(range(row, row + step))]
