"""A dose recorded in error (wrong amount, wrong lot, wrong patient's screen), struck out.

Like a wrong vitals entry it is marked, never deleted, and stops counting: the session's
limits, the hard ceiling and the plan, the gate, the monitoring schedule, totals, the REMS
form, re-evaluation, the timeline and the export read `Administration.objects`, which leaves
it out; the screen and the note show it struck through with who, when and why. Its
controlled-substance register entry is given back in the same transaction.
"""

from django.db import transaction

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import Role
from kapclinic.stock import services as stock

from .locks import locked_unsigned
from .models import Administration, DosingError
from .models.session import DOSING_ROLES

DOING = "mark a dose entered in error"


def may_strike(role, by, dose):
    """A prescriber of the clinic, or the nurse who gave or recorded this dose.

    A dose is a controlled drug: striking it also gives stock back to the register, so it
    is for someone answerable for the dose, not for its witness or a therapist who saw it.
    """
    if role not in DOSING_ROLES:
        return False
    return role == Role.PRESCRIBER or by.pk in (dose.given_by_id, dose.recorded_by_id)


def mark_dose_entered_in_error(dose, by, reason):
    """Strike a dose out of an unsigned session, and reverse its register entry.

    Under the session's lock, in one transaction: the mark (a reason is mandatory, and a dose
    is marked once), then the register's reversing entry where the dose drew from stock
    (kapclinic.stock.reverse_administration: refused while the remainder of its opened unit
    stands as wasted or returned, and then nothing is marked). After signing, corrections
    are addenda. A first dose struck leaves the course in treatment: starting treatment was
    the prescriber's decision, and the course's state is not rewound by a correction.
    """
    provider = require_staff(by, dose.session.course, DOSING_ROLES, DOING, refusal=DosingError)
    if not may_strike(provider.role, by, dose):
        raise DosingError(
            "Only a prescriber, or the nurse who gave or recorded this dose, may mark it "
            "entered in error."
        )
    with transaction.atomic():
        session = locked_unsigned(dose.session)
        dose = Administration.entries.select_for_update(no_key=True).get(pk=dose.pk)
        dose.mark_entered_in_error(by, reason)
        dose._change_reason = f"Entered in error: {dose.entered_in_error_reason}"
        dose.save(
            update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
        )
        if dose.stock_entry_id:
            stock.reverse_administration(
                dose.stock_entry,
                by,
                reason=f"Dose entered in error: {dose.entered_in_error_reason}",
            )
        audit(
            by,
            session,
            f"dosing session {session.pk}: dose {dose.pk} marked entered in error",
            CHANGE,
        )
    return dose
