"""Recording the identity check and the patient's verbal consent on the day (reference §4.1).

The one writer (the session screen and a shell come here; the admin only reads). Every
refusal is a ValidationError beside its field (or above the form), so the screen shows the
service's own words. `identity_item` is its line on the pre-dose checklist (sessions.gate).
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import audit
from kapclinic.clinic.access import provider_for

from .gate_items import GateItem
from .locks import locked
from .models import IdentityCheck
from .models.session import CLINICIANS


def _refuse(message, field=NON_FIELD_ERRORS):
    raise ValidationError({field: message})


def record_identity_check(session, by, data):
    """Identity confirmed with two different identifiers, and whether the patient gave their
    verbal consent today. Once per session, while it is open, by a clinician of the patient's
    clinic. Data: first_identifier, second_identifier, consents_today (True or False);
    optional recorded_at (default now, not before the session started, not in the future).

    A "no" is recorded the same way: it holds dosing for the session, which then ends
    without a dose through discharge."""
    provider = provider_for(by)
    if (
        provider is None
        or provider.clinic_id != session.course.clinic_id
        or provider.role not in CLINICIANS
    ):
        _refuse(
            "Only a prescriber, nurse or therapist of this clinic may record the identity "
            "check and verbal consent."
        )
    consents = data.get("consents_today")
    if consents not in (True, False):
        _refuse("Say whether the patient gave their verbal consent today.", "consents_today")
    with transaction.atomic():
        session = locked(session)
        if not session.is_open:
            _refuse(
                f"This session is {session.get_status_display().lower()}: the identity check "
                "is recorded before the first dose, while the session is open."
            )
        earlier = IdentityCheck.objects.filter(session=session).select_related("recorded_by")
        earlier = earlier.first()
        if earlier is not None:
            at = timezone.localtime(earlier.recorded_at, session.course.clinic.tz)
            _refuse(
                f"{earlier.recorded_by} already recorded the identity check and verbal consent "
                f"at {at:%H:%M}. It is recorded once per session."
            )
        check = IdentityCheck(
            session=session,
            first_identifier=data.get("first_identifier") or "",
            second_identifier=data.get("second_identifier") or "",
            consents_today=consents,
            recorded_by=by,
            recorded_at=data.get("recorded_at") or timezone.now(),
        )
        if check.first_identifier and check.first_identifier == check.second_identifier:
            _refuse("Choose a second, different identifier.", "second_identifier")
        check.full_clean(exclude=["session"])
        check.save()
        said = "gave verbal consent" if consents else "declined verbal consent"
        audit(by, session, f"dosing session {session.pk}: identity confirmed, patient {said}")
    return check


def identity_item(session, closed, given, checks=None):
    """Identity (two identifiers) and verbal consent today (reference §4.1), not overridable.
    Judged for the first dose (`given`: its time, None for boosters, which need no new one):
    a closed session's item says whether one was recorded before its first dose (sessions
    from before this check have none); a first dose timed before the check is refused."""
    label = "Identity confirmed and verbal consent given today"
    if checks is None:
        checks = IdentityCheck.objects.filter(session=session).select_related("recorded_by")
    check = next(iter(checks), None)
    if check is None:
        reason = (
            "Confirm who the patient is with two identifiers and ask for their verbal consent "
            "to go ahead today."
            if not closed
            else "None was recorded before the first dose."
            if given
            else "None was recorded; no dose was given."
        )
        return GateItem("identity", label, False, reason)
    at = timezone.localtime(check.recorded_at, session.course.clinic.tz)
    by = f"{check.recorded_by} at {at:%H:%M}"
    if not check.consents_today:
        return GateItem(
            "identity",
            label,
            False,
            f"{by}: the patient declined verbal consent today. No dose in this session; "
            "discharge ends it without one.",
        )
    if given is not None and check.recorded_at > given:
        given_at = timezone.localtime(given, session.course.clinic.tz)
        return GateItem(
            "identity", label, False, f"Recorded by {by}, after the first dose ({given_at:%H:%M})."
        )
    before = " before the first dose" if closed and given is not None else ""
    reason = f"{check.identifiers} checked, verbal consent given; recorded by {by}{before}."
    return GateItem("identity", label, True, reason)
