"""What makes a protocol's values coherent and its sign-off valid (Protocol.clean calls this).

Kept beside the model: the dose range, ceilings, monitoring times and follow-up rules must
agree with each other, and only the clinic's medical director signs a version off.
"""

from django.core.exceptions import ValidationError

from .follow_up import validate_measure_schedule, validate_outcome_rules
from .people import Role

# domain reference §3: oral/sublingual doses are reported up to 7 mg/kg; a session maximum in
# mg/kg above this is a value typed in mg.
MAX_SESSION_MG_PER_KG = 10


def check_protocol(protocol):
    """Refuse a protocol whose values contradict each other or whose sign-off is not valid."""
    low, high = protocol.dose_min_mg, protocol.dose_max_mg
    if low is not None and high is not None and high < low:
        raise ValidationError({"dose_max_mg": "The maximum must not be below the minimum."})
    ceiling = protocol.max_session_total
    if ceiling is not None and high is not None and ceiling < high:
        raise ValidationError(
            {"max_session_total": "The session maximum must not be below the dose range."}
        )
    if protocol.weight_based and ceiling and ceiling > MAX_SESSION_MG_PER_KG:
        raise ValidationError(
            {
                "max_session_total": f"This protocol doses in mg/kg: give the session "
                f"maximum in mg/kg (at most {MAX_SESSION_MG_PER_KG})."
            }
        )
    _check_ceiling(protocol)
    _check_sign_off(protocol)
    minutes = protocol.monitoring_minutes
    if not isinstance(minutes, list) or not all(
        isinstance(m, int) and not isinstance(m, bool) and 0 <= m <= 24 * 60 for m in minutes
    ):
        raise ValidationError(
            {"monitoring_minutes": "Give a list of whole minutes after the dose, e.g. [0, 40]."}
        )
    if minutes != sorted(set(minutes)):
        raise ValidationError(
            {"monitoring_minutes": "List each minute once, from earliest to latest."}
        )
    for field, validate in (
        ("measure_schedule", validate_measure_schedule),
        ("outcome_rules", validate_outcome_rules),
    ):
        try:
            validate(getattr(protocol, field))
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None


def _check_ceiling(protocol):
    if protocol.weight_based:
        if protocol.ceiling_mg_per_kg is None:
            raise ValidationError(
                {"ceiling_mg_per_kg": "A weight-based (mg/kg) protocol needs its ceiling."}
            )
        if protocol.dose_max_mg is not None and protocol.ceiling_mg_per_kg < protocol.dose_max_mg:
            raise ValidationError(
                {"ceiling_mg_per_kg": "The ceiling must not be below the range's maximum."}
            )
    elif (
        None not in (protocol.dose_max_mg, protocol.ceiling_mg)
        and protocol.ceiling_mg < protocol.dose_max_mg
    ):
        raise ValidationError({"ceiling_mg": "The ceiling must not be below the range's maximum."})


def _check_sign_off(protocol):
    director, day = protocol.signed_off_by, protocol.signed_off_on
    if director is None and day is None:
        return
    if director is None or day is None:
        field = "signed_off_by" if director is None else "signed_off_on"
        raise ValidationError({field: "A sign-off needs both who and the date."})
    if not is_medical_director_of(director, protocol.clinic_id):
        raise ValidationError(
            {"signed_off_by": "Only this clinic's medical director (a prescriber) signs off."}
        )
    if day > protocol.clinic.today():
        raise ValidationError({"signed_off_on": "The sign-off date cannot be in the future."})


def is_medical_director_of(provider, clinic_id):
    """The clinic's medical director: an active prescriber of that clinic, so flagged."""
    return bool(
        provider.is_medical_director
        and provider.role == Role.PRESCRIBER
        and provider.clinic_id == clinic_id
        and provider.active
    )
