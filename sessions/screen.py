"""What the live session screen shows, read in a fixed number of queries.

A selector: it only reads. The screen asserts its query count, so every list here is one
query with its people joined, however many readings, doses or events the session holds.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Role
from kapclinic.clinic.statements import compiled
from kapclinic.stock.selectors import open_remainders_of

from .charts import vitals_chart
from .discharge import discharge_criteria
from .gate import evaluate_gate, failing
from .gate_overrides import covering_override
from .models import (
    Addendum,
    Administration,
    AdverseEvent,
    Discharge,
    GateOverride,
    IdentityCheck,
    Observation,
    SessionAlert,
    VitalSigns,
)
from .models.monitoring import ALERT_LIMITS
from .models.session import CLINICIANS, DOSING_ROLES
from .vitals_due import due_readings

VITALS_COLUMNS = (
    ("systolic", "Systolic"),
    ("diastolic", "Diastolic"),
    ("heart_rate", "HR"),
    ("spo2", "SpO2"),
    ("respiratory_rate", "RR"),
    ("temperature", "Temp"),
)
# Shown before discharge is attempted; the Aldrete score, companion and aftercare are judged
# when the discharge form is sent.
PREVIEW_CRITERIA = ("observation_time", "alerts", "latest_reading", "adverse_events")


@dataclass(frozen=True)
class Cell:
    field: str
    value: object
    finding: str  # words when the value is past the protocol's alert limit, else ""


@dataclass(frozen=True)
class VitalsRow:
    reading: object
    minute: int  # minutes since the first dose (or the session start before any dose)
    cells: tuple

    @property
    def out_of_limits(self):
        return any(cell.finding for cell in self.cells)

    @cached_property
    def cells_html(self):
        """The row's cells up to its author, as the screen prints them, drawn here in Python:
        through the template engine each row cost about half a millisecond (a lookup and a
        number format per cell), and an open session's table is drawn on every load."""
        at = timezone.localtime(self.reading.taken_at)
        cells = [
            format_html('<td><time datetime="{}">{}</time></td>', at.isoformat(), f"{at:%H:%M}"),
            format_html('<td class="num">{}</td>', self.minute),
            *(cell_html(cell) for cell in self.cells),
            format_html('<td class="small">{}</td>', self.reading.recorded_by),
        ]
        return mark_safe("\n  ".join(cells))  # noqa: S308  each part escaped by format_html


def shown_number(value):
    """A reading as the template prints it (`{{ value }}`), without its cost for integers."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return formats.localize(value)


def cell_html(cell):
    value = "—" if cell.value is None else shown_number(cell.value)
    if not cell.finding:
        return format_html('<td class="num">{}</td>', value)
    side = "below" if cell.field == "spo2" else "above"
    return format_html(
        '<td class="num vitals-cell--alert">{} <span aria-hidden="true">!</span>'
        '<span class="visually-hidden">({} alert limit: {})</span></td>',
        value,
        side,
        cell.finding,
    )


def vitals_rows(readings, thresholds, zero_at):
    limits = {limit[0]: limit for limit in ALERT_LIMITS}
    rows = []
    for reading in readings:
        cells = []
        for field, _ in VITALS_COLUMNS:
            limit = limits.get(field)
            counts = limit and not reading.entered_in_error
            findings = reading.beyond((limit,), thresholds) if counts else []
            cells.append(Cell(field, getattr(reading, field), "; ".join(findings)))
        minute = round((reading.taken_at - zero_at).total_seconds() / 60)
        rows.append(VitalsRow(reading, minute, tuple(cells)))
    return rows


def countdown(reading, now):
    """ "due in 4 min" / "overdue by 2 min", as the timer script will keep saying it."""
    if reading is None or reading.due_at is None:
        return ""
    minutes = round((reading.due_at - now).total_seconds() / 60)
    if minutes > 0:
        return f"due in {minutes} min"
    if minutes < 0:
        return f"overdue by {-minutes} min"
    return "due now"


def attach_people(*groups):
    """Every person the screen names, read in one query and set on each row: joining the user
    table into each of eight lists cost more (building the SQL) than the rows themselves.

    groups: (rows, names of their user foreign keys)."""
    ids = {getattr(row, f"{name}_id") for rows, names in groups for row in rows for name in names}
    ids.discard(None)
    people = get_user_model().objects.in_bulk(ids)
    for rows, names in groups:
        for row in rows:
            for name in names:
                person = people.get(getattr(row, f"{name}_id"))
                if person is not None:
                    setattr(row, name, person)


def session_rows(session, name, rows):
    """One of the screen's lists, `rows(session_id)`, through SQL compiled once per process,
    with the session set on each row as the related manager would."""
    found = compiled(f"session screen: {name}", [session.pk], rows)
    for row in found:
        row.session = session
    return found


def session_screen(session, user, now=None):
    """The whole screen's data for one session (its forms are added by the view)."""
    now = now or timezone.now()
    thresholds = session.thresholds
    # Entries marked entered in error stay on the record (struck through) but count for nothing.
    dose_rows = session_rows(session, "doses", lambda pk: Administration.entries.filter(session=pk))
    doses = [dose for dose in dose_rows if not dose.entered_in_error]
    for number, dose in enumerate(doses):
        dose.label = f"Booster {number}" if number else "First dose"
    all_readings = session_rows(session, "vitals", lambda pk: VitalSigns.entries.filter(session=pk))
    readings = [reading for reading in all_readings if not reading.entered_in_error]
    observations = session_rows(
        session, "observations", lambda pk: Observation.entries.filter(session=pk)
    )
    # As session.alerts, .overrides and .addenda read them (the default manager, its order).
    alerts = session_rows(
        session, "alerts", lambda pk: SessionAlert._default_manager.filter(session=pk)
    )
    events = session_rows(session, "events", lambda pk: AdverseEvent.entries.filter(session=pk))
    overrides = session_rows(
        session, "overrides", lambda pk: GateOverride._default_manager.filter(session=pk)
    )
    addenda = session_rows(
        session, "addenda", lambda pk: Addendum._default_manager.filter(session=pk)
    )
    # Who the patient is and their verbal consent today (reference §4.1): a "no", then
    # perhaps a change of mind, in the order recorded.
    identity = session_rows(
        session, "identity", lambda pk: IdentityCheck.objects.filter(session=pk)
    )
    discharge = next(
        iter(
            session_rows(
                session,
                "discharge",
                lambda pk: Discharge.objects.filter(session=pk).order_by("pk")[:1],
            )
        ),
        None,
    )
    entries = ("recorded_by", "entered_in_error_by")
    attach_people(
        (dose_rows, ("given_by", "witnessed_by", "entered_in_error_by")),
        (all_readings, entries),
        (observations, entries),
        (alerts, ("acknowledged_by",)),
        (events, entries),
        (overrides, ("by",)),
        (identity, ("recorded_by",)),
        (addenda, ("author",)),
        ([discharge] if discharge else [], ("discharged_by",)),
    )

    # Read once above, handed to each rule instead of read again by each.
    gate = evaluate_gate(
        session, at=now, doses=doses, readings=readings, alerts=alerts, identity=identity
    )
    failed = failing(gate)
    override = covering_override(session, gate, overrides) if failed else None
    monitoring = due_readings(session, now=now, doses=doses, readings=readings)
    first_dose = doses[0] if doses else None
    zero_at = first_dose.given_at if first_dose else session.started_at
    chart = vitals_chart(
        readings, thresholds, zero_at, "first dose" if first_dose else "session start"
    )
    preview = []
    if discharge is None:
        preview = [
            item
            for item in discharge_criteria(
                session,
                Discharge(session=session),
                at=now,
                doses=doses,
                open_alerts=sum(1 for alert in alerts if alert.is_open),
                readings=readings,
                events=[event for event in events if not event.entered_in_error],
                risk=False,
            )
            if item.key in PREVIEW_CRITERIA
        ]

    provider = provider_for(user)
    role = provider.role if provider and provider.clinic_id == session.course.clinic_id else None
    return {
        "session": session,
        "course": session.course,
        "patient": session.course.patient,
        "appointment": session.appointment,
        "clinic": session.course.clinic,
        "thresholds": thresholds,
        "now": now,
        "gate": gate,
        "gate_failed": failed,
        "gate_override": override,
        "dosing_on_hold": bool(failed) and override is None,
        "can_be_overridden": bool(failed) and all(item.overridable for item in failed),
        "overrides": overrides,
        "identity_checks": identity,
        # The form again only after a "no": a change of mind; a "yes" is the last word.
        "identity_needed": not identity or not identity[-1].consents_today,
        "doses": doses,
        "dose_rows": dose_rows,
        # Part-used vials from these doses still to waste or return (controlled-substance
        # register); no query unless a dose drew from the register.
        "stock_remainders": open_remainders_of(doses),
        "total_mg": sum((d.amount_mg for d in doses), Decimal(0)),
        "total_mg_per_kg": sum((d.mg_per_kg for d in doses), Decimal(0)),
        "monitoring": monitoring,
        "next_due": monitoring.next_due,
        "next_due_in": countdown(monitoring.next_due, now),
        "zero_label": "first dose" if first_dose else "session start",
        "vitals_rows": vitals_rows(all_readings, thresholds, zero_at),
        "vitals_columns": VITALS_COLUMNS,
        "chart": chart,
        "observations": observations,
        "open_alerts": [a for a in alerts if a.is_open],
        "acknowledged_alerts": [a for a in alerts if not a.is_open],
        "events": events,
        "discharge": discharge,
        "discharge_preview": preview,
        "addenda": addenda,
        "is_open": session.is_open,
        "is_signed": session.is_signed,
        "can_dose": role in DOSING_ROLES,
        "can_record": role in CLINICIANS,
        # Vitals and observations while the session is open; adverse events and strike-outs
        # until it is signed.
        "can_monitor": role in CLINICIANS and session.is_open,
        "can_amend": role in CLINICIANS and not session.is_signed,
        "is_prescriber": role == Role.PRESCRIBER,
        "role": role,
    }


def folded_sections(context):
    """Ids of the sections whose work is done: the screen shows them folded, so it opens at
    what is left to do. Once the patient has gone home that is the signature (and late
    adverse events); once signed, only addenda. While the session is open nothing folds: a
    booster passes the pre-dose checks again. A fold is a <details>: one key opens it."""
    folded = set()
    if not context["is_open"]:
        folded |= {"pre-dose", "doses", "monitoring", "observations"}
    if context["is_signed"]:
        folded |= {"adverse-events", "discharge"}
    return folded
