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
    verbal consent today. One "yes" per session, while it is open, by a clinician of the patient's
    clinic. Data: first_identifier, second_identifier, consents_today (True or False);
    optional recorded_at (default now, not before the session started, not in the future).

    A "no" is recorded the same way: it holds dosing for the session, which then ends
    without a dose through discharge, unless the patient changes their mind in the same visit
    (a later "yes", the only answer that may follow a "no"). A "yes" is the last word."""
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
        tz = session.course.clinic.tz
        earlier = list(IdentityCheck.objects.filter(session=session).select_related("recorded_by"))
        latest = earlier[-1] if earlier else None
        if latest is not None:
            at = timezone.localtime(latest.recorded_at, tz)
            if latest.consents_today:
                _refuse(
                    f"{latest.recorded_by} already recorded the identity check and verbal "
                    f"consent at {at:%H:%M}. Once the patient agrees, it is not recorded again."
                )
            if not consents:  # only a change of mind follows a "no"
                _refuse(
                    f"{latest.recorded_by} already recorded that the patient declined at "
                    f"{at:%H:%M}. Record again only if the patient now agrees.",
                    "consents_today",
                )
            if data.get("recorded_at") and data["recorded_at"] <= latest.recorded_at:
                _refuse(
                    f"The patient's change of mind comes after their answer at {at:%H:%M}.",
                    "recorded_at",
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
    checks = list(checks)
    tz = session.course.clinic.tz
    # The latest answer by the first dose decides; a booster (given None) asks no new one.
    before = [c for c in checks if given is None or c.recorded_at <= given]
    if not before:
        if checks:
            at = timezone.localtime(checks[0].recorded_at, tz)
            given_at = timezone.localtime(given, tz)
            return GateItem(
                "identity",
                label,
                False,
                f"Recorded by {checks[0].recorded_by} at {at:%H:%M}, after the first dose "
                f"({given_at:%H:%M}).",
            )
        reason = (
            "Confirm who the patient is with two identifiers and ask for their verbal consent "
            "to go ahead today."
            if not closed
            else "None was recorded before the first dose."
            if given
            else "None was recorded; no dose was given."
        )
        return GateItem("identity", label, False, reason)
    check = before[-1]
    by = f"{check.recorded_by} at {timezone.localtime(check.recorded_at, tz):%H:%M}"
    if not check.consents_today:
        return GateItem(
            "identity",
            label,
            False,
            f"{by}: the patient declined verbal consent today. No dose unless they change their "
            "mind (record their answer again); otherwise discharge ends the session without one.",
        )
    declined = [c for c in before if not c.consents_today]
    after = (
        f" after declining at {timezone.localtime(declined[-1].recorded_at, tz):%H:%M}"
        if declined
        else ""
    )
    first = " before the first dose" if closed and given is not None else ""
    reason = f"{check.identifiers} checked, verbal consent given{after}; recorded by {by}{first}."
    return GateItem("identity", label, True, reason)
