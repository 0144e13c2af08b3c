"""Booking a reviewed series: every kept occurrence in one transaction, or none.

Each occurrence goes through its phase's own booking service; the plan is checked again
first (`planning.plan_series`). Cancelling goes through `sessions/booking.py::cancel`, one
occurrence at a time, so the reminders re-plan as for any cancellation.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction

from integration import services as integration
from kapclinic.audit.trail import CHANGE, CREATE, audit
from kapclinic.clinic.models import (
    Appointment,
    AppointmentSeries,
    JourneyError,
    Provider,
    Resource,
    TreatmentCourse,
)
from sessions import booking

from .planning import DOSING, SeriesError, in_words, plan_series


def book_series(plan, *, by):
    """Book every kept occurrence, or none: one transaction, through the phase's service.

    Re-checks the plan first; a clash found then, or the database refusing a slot another
    member of staff took a moment ago, raises SeriesError and leaves nothing booked.
    """
    checked = plan_series(
        plan.course,
        kind=plan.kind,
        first_starts_at=plan.first_starts_at,
        duration_minutes=plan.duration_minutes,
        every_days=plan.every_days,
        count=plan.count,
        clinician=plan.clinician,
        resource=plan.resource,
        occurrences=plan.occurrences,
    )
    if checked.refusal:
        raise SeriesError(checked.refusal, checked)
    if not checked.to_book:
        raise SeriesError("Every session was dropped: there is nothing to book.", checked)
    if checked.in_the_way:
        raise SeriesError(_nothing_booked(checked.in_the_way), checked)
    try:
        with transaction.atomic():
            _one_after_the_other(checked)
            series = AppointmentSeries.objects.create(
                course=plan.course,
                kind=plan.kind,
                every_days=plan.every_days,
                count=plan.count,
                first_starts_at=plan.first_starts_at,
                duration_minutes=plan.duration_minutes,
                clinician=plan.clinician,
                resource=plan.resource,
                created_by=by,
            )
            booked = [_book_one(checked, o, by, series) for o in checked.to_book]
            audit(
                by,
                plan.course,
                f"appointment series {series.pk} booked: {len(booked)} "
                f"{Appointment.Kind(plan.kind).label.lower()}s, {series.cadence}",
                CREATE,
            )
    except _Clash as clash:
        clash.occurrence.problem = clash.words
        raise SeriesError(_nothing_booked([clash.occurrence]), checked) from clash
    except OperationalError as error:
        if _sqlstate(error) not in BOOKED_AT_THE_SAME_TIME:
            raise
        raise SeriesError(
            "Nothing was booked: someone else was booking the same time at that moment. "
            "Check again.",
            checked,
        ) from error
    return series


# PostgreSQL's deadlock and serialisation failures: two bookings waiting on each other's
# rows (each checking the other's new appointment against the exclusion constraints).
BOOKED_AT_THE_SAME_TIME = {"40P01", "40001"}


def _sqlstate(error):
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def _one_after_the_other(plan):
    """Series for the same course, clinician or room are booked one after the other.

    Row locks, course first, then clinician, then room: the second waits for the first to
    commit, then its own checks see the first's sessions and name the clash in words
    (instead of both inserting at once and the database aborting one of them).
    """
    locked = TreatmentCourse.objects.select_for_update(no_key=True, of=("self",))
    list(locked.filter(pk=plan.course.pk).values_list("pk", flat=True))
    if plan.clinician is not None:
        locked = Provider.objects.select_for_update(no_key=True, of=("self",))
        list(locked.filter(pk=plan.clinician.pk).values_list("pk", flat=True))
    if plan.resource is not None:
        locked = Resource.objects.select_for_update(no_key=True, of=("self",))
        list(locked.filter(pk=plan.resource.pk).values_list("pk", flat=True))


class _Clash(Exception):
    def __init__(self, occurrence, words):
        super().__init__(words)
        self.occurrence, self.words = occurrence, words


def _book_one(plan, occurrence, by, series):
    """One occurrence through its phase's own booking service (its refusals pass through)."""
    try:
        if plan.kind == DOSING:
            return booking.book_dosing_session(
                plan.course,
                by=by,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                clinician=plan.clinician,
                resource=plan.resource,
                series=series,
            )
        return integration.book_integration_session(
            plan.dosing_session,
            by,
            starts_at=occurrence.starts_at,
            ends_at=occurrence.ends_at,
            clinician=plan.clinician,
            resource=plan.resource,
            series=series,
        )
    except ValidationError as error:
        raise _Clash(occurrence, in_words(error)) from error
    except IntegrityError as error:
        # clean() passed, then the database refused: someone booked the slot a moment ago.
        raise _Clash(
            occurrence, "Booked by someone else a moment ago: choose another time."
        ) from error


def _nothing_booked(occurrences):
    numbers = ", ".join(str(o.number) for o in occurrences)
    plural = "s" if len(occurrences) > 1 else ""
    return (
        f"Nothing was booked: session{plural} {numbers} cannot be booked as planned. "
        "Change the time or drop it, then check again."
    )


# Cancelling one occurrence is cancelling an appointment: the reason stays on the record.
cancel_occurrence = booking.cancel


def cancel_rest_of_series(series, from_appointment, *, by, reason):
    """Cancel `from_appointment` and every later live occurrence, each through `cancel`.

    Past, completed, missed or already cancelled occurrences stay as they are. Returns the
    appointments cancelled.
    """
    if from_appointment.series_id != series.pk:
        raise JourneyError("That appointment is not part of this series.")
    if not (reason or "").strip():
        raise JourneyError("A reason is required.")
    with transaction.atomic():
        rest = list(
            Appointment.objects.live()
            .filter(series=series, starts_at__gte=from_appointment.starts_at)
            .select_related("course")
            .select_for_update(no_key=True, of=("self",))
            .order_by("starts_at")
        )
        if not rest:
            raise JourneyError("No session of this series from this one on is still booked.")
        for appointment in rest:
            cancel_occurrence(appointment, by=by, reason=reason)
        audit(
            by,
            series.course,
            f"appointment series {series.pk}: {len(rest)} cancelled from appointment "
            f"{from_appointment.pk} on",
            CHANGE,
        )
    return rest
