"""Audit events told in plain words, for the patient's "Who viewed my record" page."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from .models import AccessEvent

VERBS = {
    AccessEvent.Action.VIEW: "Viewed",
    AccessEvent.Action.CHANGE: "Changed",
    AccessEvent.Action.CREATE: "Added to",
    AccessEvent.Action.EXPORT: "Took a copy of",
}

# The first phrase whose key appears in an event's `what` names the part of the record; the
# order matters ("course 3 outcomes" is about outcomes, "dose 4" about a session).
SUBJECTS = (
    ("appointment request", "your requests for an appointment time"),
    ("request about the record", "your request about your record"),
    ("controlled-substance register", "the clinic's controlled-drug register entry for your dose"),
    ("admin:", "your record, in the clinic's administration screens"),
    ("→", "your treatment course"),  # a journey step: "course 3: Awaiting review → Cleared"
    ("rems enrolment", "your Spravato REMS enrolment"),
    ("rems monitoring form", "your Spravato REMS monitoring form"),
    ("diagnos", "your diagnoses"),
    ("superbill", "your superbill"),
    ("fee line", "your billing record"),
    ("billing", "your billing record"),
    ("safety plan", "your safety plan"),
    ("treatment plan", "your treatment plan"),
    ("risk review", "a safety check on your record"),
    ("psychiatric review", "a safety check on your record"),
    ("follow-up task", "a safety check on your record"),
    ("safety flag", "a safety check on your record"),
    ("fhir", "your whole record, as a data file"),
    ("consent", "your consent and its signed copy"),
    ("report", "a report from your record"),
    ("patient chart", "your chart"),
    ("intake", "your intake answers"),
    ("invit", "your invitation"),
    ("check-in", "your check-in answers"),
    ("pre-dose", "your pre-dose safety checks"),
    ("appointment series", "your appointments"),
    ("series of sessions", "your appointments"),
    ("booked", "your appointments"),
    ("booking", "your appointments"),
    ("dosing session", "your treatment session record"),
    ("dose", "your treatment session record"),
    ("in-session alert", "your treatment session record"),
    ("integration note", "your integration session notes"),
    ("integration session", "your integration sessions"),
    ("re-evaluation", "the re-evaluation of your treatment course"),
    ("outcomes", "your progress and the journal entries you shared"),
    ("journal", "a journal entry you shared"),
    ("appointment", "your appointments"),
    ("course", "your treatment course"),
)


def subject(what):
    lowered = what.lower()
    return next((words for key, words in SUBJECTS if key in lowered), "your record")


@dataclass(frozen=True)
class StaffAccess:
    at: object
    name: str
    role: str
    did: str
    other_clinic: str = ""  # set when someone from another clinic opened the record
    emergency: object = None  # the emergency access it happened under, if any

    @classmethod
    def of(cls, event, patient=None, grants=()):
        """One row of the page; `grants` are the patient's emergency accesses (newest first)."""
        actor = event.actor
        try:
            provider = actor.provider
        except ObjectDoesNotExist:
            provider = None
        if provider is not None:
            role = provider.get_role_display()
            name = actor.get_full_name() or actor.email
            if provider.credentials:
                name = f"{name}, {provider.credentials}"
        else:
            role, name = "System administrator", actor.get_full_name() or actor.email
        verb = VERBS.get(event.action, "Opened")
        did = f"{verb} {subject(event.what)}"
        other_clinic = ""
        if provider is not None and patient is not None and provider.clinic_id != patient.clinic_id:
            other_clinic = provider.clinic.name
        grant = _grant_for(event, grants)
        if grant is not None and event.what.startswith(EMERGENCY_GRANT):
            minutes = round((grant.expires_at - grant.granted_at).total_seconds() / 60)
            did = f"Opened your record in an emergency (“break-glass” access) for {minutes} minutes"
        elif grant is not None:
            did = f"{did}, under emergency access"
        return cls(
            at=event.at,
            name=name,
            role=role,
            did=did,
            other_clinic=other_clinic,
            emergency=grant,
        )


# The audit row EmergencyAccess.open writes when the glass is broken.
EMERGENCY_GRANT = "emergency access for "


def _grant_for(event, grants):
    """The emergency access this event happened under: same person, inside its window."""
    for grant in grants:
        starts = grant.granted_at - datetime.timedelta(seconds=5)
        if grant.user_id == event.actor_id and starts <= event.at <= grant.expires_at:
            return grant
    return None
