"""What a signed suitability decision may say, checked wherever a decision is written.

A decision carries only the fields of its own outcome: an override reason belongs to clearing
past an absolute contraindication (printed as an "override" on the signed record, so never
without one), a message to the patient to asking for more information.
"""

from kapclinic.clinic.models import JourneyError

CLEARED, DECLINED, MORE_INFORMATION = "cleared", "declined", "more_information"


class DecisionRefused(JourneyError):
    """A decision refused because of one field; `field` names it so the page can show it there."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def decision_errors(outcome, *, has_absolute, override_reason="", message_to_patient=""):
    """{field: message} for each rule the decision breaks; empty when it may be signed."""
    override_reason = (override_reason or "").strip()
    errors = {}
    if outcome == CLEARED and has_absolute and not override_reason:
        errors["override_reason"] = (
            "An absolute contraindication was found: give a reason to clear anyway."
        )
    if outcome == CLEARED and override_reason and not has_absolute:
        errors["override_reason"] = (
            "No absolute contraindication was found, so there is nothing to override: "
            "leave this empty and give your reasons in the clinical rationale."
        )
    if outcome == MORE_INFORMATION and not (message_to_patient or "").strip():
        errors["message_to_patient"] = "Tell the patient what you need from them."
    return errors


def fields_for_outcome(outcome, data):
    """The decision's free text, keeping only what belongs to this outcome."""
    return {
        "override_reason": (data.get("override_reason") or "").strip()
        if outcome == CLEARED
        else "",
        "message_to_patient": (data.get("message_to_patient") or "").strip()
        if outcome == MORE_INFORMATION
        else "",
    }


def check_decision(outcome, *, has_absolute, data):
    """Raise DecisionRefused for the first broken rule (the service's last word)."""
    for field, message in decision_errors(
        outcome,
        has_absolute=has_absolute,
        override_reason=data.get("override_reason", ""),
        message_to_patient=data.get("message_to_patient", ""),
    ).items():
        raise DecisionRefused(message, field=field)
