"""The grid as HTML: days, columns, blocks and empty slots, written in one pass.

A week of twenty clinicians is hundreds of blocks and thousands of slots; the template engine
takes several times the page's budget over them, so the grid's markup is written here (every
value escaped) and the page template places it. The stylesheet is static/css/calendar.css.
"""

# The standard library's escape is what Django's calls, without the lazy-string wrapper that
# costs more than the escaping over a few thousand values.
from html import escape

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from .grid import ROOM

_PK = 987654321
DRAGGABLE = ' draggable="true"'  # a live appointment can be dropped on an empty slot


def grid_html(grid, extra_query=None):
    """The `.cal` element of the page: the hours, then each day and its columns."""
    book_url = reverse("calendar:book")
    move_url = reverse("calendar:move", args=[_PK]).replace(str(_PK), "{}")
    extra = urlencode(extra_query or {})
    body = f'<div class="cal-col__body cal-hours-{grid.frame.hour_count}'
    out = ['<div class="cal"><div class="cal-times" aria-hidden="true">']
    out.append(f'<div class="cal-col__title"></div>{body}">')
    out.extend(f'<span class="cal-hour cal-at-{row}">{label}</span>' for row, label in grid.hours)
    out.append("</div></div>")
    heads = {}  # each column's title and link query, written once for the seven days
    for number, day in enumerate(grid.days, 1):
        slots = _DaySlots(day.date, book_url)
        today = " cal-day--today" if day.is_today else ""
        badge = ' <span class="badge badge--info">Today</span>' if day.is_today else ""
        if day.closed:
            badge += f' <span class="badge badge--neutral">{escape(day.closed)}</span>'
        elif day.opening:
            badge += f' <span class="cal-day__hours">{day.opening}</span>'
        shut = "".join(
            f'<div class="cal-shut cal-at-{row} cal-len-{rows}" aria-hidden="true">Closed</div>'
            for row, rows in day.shut
        )
        out.append(
            f'<section class="cal-day{today}" aria-labelledby="cal-day-{number}">'
            f'<h2 class="cal-day__title" id="cal-day-{number}">'
            f"{day.date:%A} {day.date.day} {day.date:%b}{badge}</h2>"
            '<div class="cal-day__columns">'
        )
        if not day.columns:
            what = "rooms" if grid.axis == ROOM else "clinicians"
            out.append(f'<p class="cal-empty">No {what} to show.</p>')
        for column in day.columns:
            _column(out, grid, day, column, (slots, shut, body, heads), move_url, extra)
        out.append("</div></section>")
    out.append("</div>")
    return mark_safe("".join(out))  # noqa: S308  (every value written above is escaped)


def _column(out, grid, day, column, day_parts, move_url, extra):
    slots, shut, body, heads = day_parts
    head = heads.get(column.key)
    if head is None:
        head = heads[column.key] = _column_head(column, body, extra)
    title, query, tail = head
    out.append(f'{title} cal-lanes-{column.lanes}">{shut}')
    if column.free:
        for row, start in column.free:
            link, middle = slots.pieces(row, start)
            out.append(f"{link}{query}{middle}{tail}")
    for block in column.blocks:
        where = block.clinician if grid.axis == ROOM else block.room
        out.append(
            f'<a class="cal-block cal-block--{block.kind} cal-at-{block.row} '
            f"cal-len-{block.rows} cal-lane-{block.lane}"
            f'{"" if block.live else " cal-block--past"}" href="{move_url.format(block.pk)}" '
            f'aria-label="{escape(block.label)}" data-appointment="{block.pk}"'
            f"{DRAGGABLE if block.live else ''}>"
            f'<span class="cal-block__time">{"↑ " if block.cut_before else ""}{block.times}'
            f"{' ↓' if block.cut_after else ''}</span> "
            f'<span class="cal-block__who">{escape(block.patient)}</span> '
            f'<span class="cal-block__kind">{escape(block.kind_label)}</span> '
            f'<span class="badge badge--{block.tone}">{escape(block.state)}</span>'
            + (f' <span class="cal-block__where">{escape(where)}</span>' if where else "")
            + "</a>"
        )
    if day.now_row:
        out.append(f'<div class="cal-now cal-at-{day.now_row}" aria-hidden="true"></div>')
    out.append("</div></div>")


def _column_head(column, body, extra):
    """(the title and body's opening, the slot links' query, their tail) of a column: the same
    on every day for the same clinician or room."""
    label = escape(column.label)
    query = urlencode(column.booking_query)
    query = "&amp;".join(escape(q) for q in (query, extra) if q)
    query = f"&amp;{query}" if query else ""
    title = f'<div class="cal-col"><h3 class="cal-col__title">{label}</h3>{body}'
    return title, query, f"{label}</span></a>"


class _DaySlots:
    """A day's empty-slot links but for the column's part, each written once for every column:
    formatting the slot's times per column cost most of the week's markup."""

    def __init__(self, date, book_url):
        self.when = f"{date:%a} {date.day} {date:%b}"
        self.book_url = book_url
        self.written = {}

    def pieces(self, row, start):
        """(before the column's query, between it and the column's label) of the slot's link."""
        pieces = self.written.get(row)
        if pieces is None:
            pieces = self.written[row] = (
                f'<a class="cal-slot cal-at-{row}" href="{self.book_url}?start='
                f"{start:%Y-%m-%dT%H:%M}",
                '"><span class="visually-hidden">Book </span>'
                f'<span class="cal-slot__time">{start:%H:%M}</span>'
                f'<span class="visually-hidden"> {self.when}, ',
            )
        return pieces
