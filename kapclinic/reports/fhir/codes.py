"""FHIR codes and value shapes: code systems, our codes mapped to theirs, and the small
builders (ids, references, instants, codings, quantities) every resource uses.
"""

import datetime
import uuid
from decimal import Decimal

from kapclinic.clinic.models import Appointment, Product, Route
from sessions.models import AdverseEvent

# Our consent kinds as FHIR Consent scopes (reference §6).
CONSENT_SCOPES = {
    "treatment": ("treatment", "Treatment"),
    "telehealth": ("treatment", "Treatment"),
    "recording": ("patient-privacy", "Privacy Consent"),
    "research": ("research", "Research"),
}

# Fixed namespace: ids must not change between exports or releases.
NAMESPACE = uuid.UUID("6f0b7c52-5d0e-4c43-9a55-3f2f9a6f8e21")

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
PATIENT_ID_SYSTEM = "urn:kapclinic:patient"
NO_TIER = "No risk tier met (nothing endorsed)"

# domain reference §6: route codes (SNOMED CT).
ROUTES = {
    Route.IV: ("47625008", "Intravenous route"),
    Route.IM: ("78421000", "Intramuscular route"),
    Route.SUBLINGUAL: ("37839007", "Sublingual route"),
    Route.INTRANASAL: ("46713006", "Nasal route"),
}
# domain reference §6: ketamine ingredient RxCUI 6130. Esketamine has no code in the
# reference, so it is named in words only rather than with a guessed code.
PRODUCT_CODES = {Product.RACEMIC_KETAMINE: (RXNORM, "6130", "ketamine")}

APPOINTMENT_STATUS = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.CHECKED_IN: "checked-in",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.NO_SHOW: "noshow",
}

AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
AE_CAUSALITY = "http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess"
AE_OUTCOMES = {
    AdverseEvent.Outcome.RESOLVED: "resolved",
    AdverseEvent.Outcome.RESOLVING: "recovering",
    AdverseEvent.Outcome.NOT_RESOLVED: "ongoing",
    AdverseEvent.Outcome.RESOLVED_WITH_SEQUELAE: "resolvedWithSequelae",
    AdverseEvent.Outcome.UNKNOWN: "unknown",
    # "Transferred to emergency care" has no code of its own: carried in words only.
}
AE_CAUSALITY_CODES = {
    AdverseEvent.Relatedness.DEFINITE: "Certain",
    AdverseEvent.Relatedness.PROBABLE: "Probably-Likely",
    AdverseEvent.Relatedness.POSSIBLE: "Possible",
    AdverseEvent.Relatedness.UNLIKELY: "Unlikely",
}


def event_text(event):
    """What happened, in words: the type, then the clinician's description when there is one
    (for "Other" the description is the type)."""
    if event.description and event.kind != AdverseEvent.Kind.OTHER:
        return f"{event.get_kind_display()}: {event.description}"
    return event.label


def resource_id(kind, *key):
    return str(uuid.uuid5(NAMESPACE, "/".join([kind, *map(str, key)])))


def full_url(rid):
    return f"urn:uuid:{rid}"


def ref(rid, display=None):
    reference = {"reference": full_url(rid)}
    if display:
        reference["display"] = display
    return reference


def instant(value):
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds")


def number(value):
    """A Decimal as a JSON number: whole values as int, others as float."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def coding(system, code, display=None):
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def quantity(value, unit, code=None):
    return {"value": number(value), "unit": unit, "system": UCUM, "code": code or unit}


def category(code, display):
    return [{"coding": [coding(OBSERVATION_CATEGORY, code, display)]}]


def answer_coding(option, *, with_display):
    """An answer option as a Coding: its LOINC answer code if it has one, else its value."""
    result = coding(LOINC, option.loinc) if option.loinc else {"code": str(option.value)}
    if with_display:
        result["display"] = option.label
    return result
