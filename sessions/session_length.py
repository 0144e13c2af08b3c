"""How long a dosing appointment holds its chair and clinician: at least the observation time.

The patient is watched for the protocol's `minimum_observation_minutes` after the dose
(reference §4.2: observe at least 2 h) before discharge, so a dosing appointment booked or
moved shorter than that would show the room and the supervising clinician free while the
patient is still in the chair. The observation time alone is the rule: the protocol has no
field for the time before the dose (fasting is done before arrival, and
`session_opens_minutes_before` says how early a session may be opened, not how long it
lasts), so the forms' usual length (`DEFAULT_SESSION_MINUTES`) leaves room for check-in,
the pre-dose checks and discharge.

The protocol is the one in force for the route and product of the course's plan, read as
the session will open with it (`sessions/plan.py::course_protocol`).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from kapclinic.clinic.models import JourneyError
from kapclinic.clinic.models.protocol_choices import missing_protocol_message

from .gate_items import duration
from .plan import course_protocol

# A form default only: check-in, the dose, the observation time (120 min by default) and the
# discharge checks. A protocol observing for longer raises it (`default_minutes`).
DEFAULT_SESSION_MINUTES = 150


def check_dosing_length(course, starts_at, ends_at):
    """Refuse, beside `ends_at`, a dosing appointment shorter than the observation time.

    A course with no plan is refused by `booking.booking_refusal`; a plan whose route has no
    protocol in force is refused here in words (there is no observation time to hold to).
    """
    plan, protocol = course_protocol(course)
    if plan is None:
        return
    if protocol is None:
        raise JourneyError(missing_protocol_message(plan.route, plan.product))
    needed = protocol.minimum_observation_minutes
    earliest = starts_at + timedelta(minutes=needed)
    if ends_at >= earliest:
        return
    end = timezone.localtime(earliest, course.clinic.tz)
    raise ValidationError(
        {
            "ends_at": (
                f"A dosing session needs at least {duration(needed)}: the protocol's "
                f"observation time after the dose. Make it {needed} minutes or longer, to end "
                f"at {end:%H:%M} or later."
            )
        }
    )


def default_minutes(protocol):
    """A booking form's length for a dosing session: the usual length, or the protocol's
    observation time when that is longer (`protocol` None: the usual length)."""
    needed = protocol.minimum_observation_minutes if protocol else 0
    return max(DEFAULT_SESSION_MINUTES, needed)


def at_least_observation(course, minutes):
    """`minutes`, raised to the course's observation time (a move form's starting length)."""
    protocol = course_protocol(course)[1]
    return max(minutes, protocol.minimum_observation_minutes) if protocol else minutes
