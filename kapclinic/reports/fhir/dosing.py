"""FHIR resources of the dosing sessions: vital signs, doses (MedicationAdministration) and
adverse events, with the domain reference's codes (§4.3 LOINC and UCUM, §6 routes).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from kapclinic.clinic.models import Route

from .codes import (
    AE_CAUSALITY,
    AE_CAUSALITY_CODES,
    AE_OUTCOME,
    AE_OUTCOMES,
    AE_SERIOUSNESS,
    AE_SEVERITY,
    LOINC,
    PRODUCT_CODES,
    ROUTES,
    SNOMED,
    category,
    coding,
    event_text,
    instant,
    number,
    quantity,
    ref,
    resource_id,
)

SPO2_CODES = [
    coding(LOINC, "59408-5", "Oxygen saturation by pulse oximetry"),
    coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
]
# domain reference §4.3: the vitals with one value, in the bundle's order: (id key, LOINC
# code or codings, display, VitalSigns field, unit, UCUM code).
ONE_VALUE_VITALS = (
    ("hr", "8867-4", "Heart rate", "heart_rate", "beats/minute", "/min"),
    ("spo2", SPO2_CODES, "Oxygen saturation by pulse oximetry", "spo2", "%", "%"),
    ("rr", "9279-1", "Respiratory rate", "respiratory_rate", "breaths/minute", "/min"),
    ("temp", "8310-5", "Body temperature", "temperature", "C", "Cel"),
)


class DosingResources:
    """The patient's dosing-session records; mixed into BundleBuilder."""

    def vital(self, key, code, display, effective, user_id=None, struck=None, **value):
        """One Observation; `struck` is the reading entered in error it came from, if so."""
        codings = code if isinstance(code, list) else [coding(LOINC, code, display)]
        body = {
            "status": "entered-in-error" if struck else "final",
            "category": category("vital-signs", "Vital Signs"),
            "code": {"coding": codings, "text": display},
            "subject": self.subject(),
            "effectiveDateTime": instant(effective),
            **value,
        }
        performer = self.performer(user_id)
        if performer:
            body["performer"] = [performer]
        if struck:
            body["note"] = [{"text": f"Entered in error: {struck.entered_in_error_reason}"}]
        self.add("Observation", resource_id("Observation", *key), body)

    def add_vitals(self):
        for session in self.sessions:
            if session.weight_kg is not None:
                self.vital(
                    ("weight", session.pk),
                    "29463-7",
                    "Body weight",
                    session.started_at,
                    valueQuantity=quantity(session.weight_kg, "kg"),
                )
        for row in self.vitals:
            at, by = row.taken_at, row.recorded_by_id
            struck = row if row.entered_in_error else None
            self.vital(
                ("bp", row.pk),
                "85354-9",
                "Blood pressure panel with all children optional",
                at,
                by,
                struck,
                component=[
                    {
                        "code": {"coding": [coding(LOINC, "8480-6", "Systolic blood pressure")]},
                        "valueQuantity": quantity(row.systolic, "mmHg", "mm[Hg]"),
                    },
                    {
                        "code": {"coding": [coding(LOINC, "8462-4", "Diastolic blood pressure")]},
                        "valueQuantity": quantity(row.diastolic, "mmHg", "mm[Hg]"),
                    },
                ],
            )
            for key, code, display, field, unit, ucum in ONE_VALUE_VITALS:
                value = getattr(row, field)
                if value is not None:  # respiratory rate and temperature are optional
                    amount = quantity(value, unit, ucum)
                    self.vital((key, row.pk), code, display, at, by, struck, valueQuantity=amount)

    def add_doses(self):
        self.dose_ids = {}
        course_of_session = {session.pk: session.course_id for session in self.sessions}
        for dose in self.doses:
            rid = resource_id("MedicationAdministration", dose.pk)
            self.dose_ids[dose.pk] = rid
            medication = {"text": dose.get_product_display()}
            if dose.product in PRODUCT_CODES:
                medication["coding"] = [coding(*PRODUCT_CODES[dose.product])]
            route = {"text": dose.get_route_display()}
            if dose.route in ROUTES:
                route["coding"] = [coding(SNOMED, *ROUTES[dose.route])]
            # The dose is what was given, in mg; mg/kg is a derived figure, stated in words.
            words = f"{number(dose.amount_mg)} mg {dose.get_product_display()}"
            if dose.mg_per_kg is not None:
                words += f" ({dose.mg_per_kg} mg/kg at {number(dose.weight_kg)} kg)"
            dosage = {
                "text": words,
                "route": route,
                "dose": quantity(dose.amount_mg, "mg"),
            }
            body = {
                "contained": [
                    {
                        "resourceType": "Medication",
                        "id": "med",
                        "code": medication,
                        "batch": {
                            "lotNumber": dose.lot_number,
                            "expirationDate": dose.lot_expiry.isoformat(),
                        },
                    }
                ],
                # A dose struck out (entered in error) stays in the export, said so, so a
                # system that took an earlier copy can withdraw it; nothing refers to it.
                "status": "entered-in-error" if dose.entered_in_error else "completed",
                "medicationReference": {"reference": "#med", "display": medication["text"]},
                "subject": self.subject(),
                "dosage": dosage,
            }
            if dose.route == Route.IV and dose.infusion_minutes:
                end = dose.given_at + datetime.timedelta(minutes=dose.infusion_minutes)
                body["effectivePeriod"] = {"start": instant(dose.given_at), "end": instant(end)}
                rate = Decimal(dose.amount_mg) / dose.infusion_minutes
                dosage["rateQuantity"] = quantity(rate.quantize(Decimal("0.01")), "mg/min")
            else:
                body["effectiveDateTime"] = instant(dose.given_at)
            performers = [
                {"actor": actor}
                for actor in (self.performer(dose.given_by_id),)
                if actor is not None
            ]
            if performers:
                body["performer"] = performers
            notes = [dose.out_of_range_reason]
            if dose.entered_in_error:
                notes.append(f"Entered in error: {dose.entered_in_error_reason}")
            if any(notes):
                body["note"] = [{"text": note} for note in notes if note]
            if reasons := self.reasons(course_of_session.get(dose.session_id)):
                body["reasonReference"] = reasons
            self.add("MedicationAdministration", rid, body)

    def add_adverse_events(self):
        # R4B AdverseEvent has no note: the clinician's description rides in event.text.
        doses_by_session = defaultdict(list)
        for dose in self.doses:
            if not dose.entered_in_error:
                doses_by_session[dose.session_id].append(dose)
        for event in self.events:
            body = {
                "actuality": "actual",
                "event": {"text": event_text(event)},
                "subject": self.subject(),
                "date": instant(event.onset_at),
                "seriousness": {
                    "coding": [
                        coding(AE_SERIOUSNESS, "serious", "Serious")
                        if event.serious
                        else coding(AE_SERIOUSNESS, "non-serious", "Non-serious")
                    ]
                },
                "severity": {
                    "coding": [coding(AE_SEVERITY, event.severity, event.get_severity_display())]
                },
                "outcome": {"text": event.get_outcome_display()},
            }
            if event.outcome in AE_OUTCOMES:
                body["outcome"]["coding"] = [coding(AE_OUTCOME, AE_OUTCOMES[event.outcome])]
            recorder = self.performer(event.recorded_by_id)
            if recorder:
                body["recorder"] = recorder
            given = [d for d in doses_by_session[event.session_id] if d.given_at <= event.onset_at]
            if given:
                assessment = {"text": event.get_relatedness_display()}
                if event.relatedness in AE_CAUSALITY_CODES:
                    assessment["coding"] = [
                        coding(AE_CAUSALITY, AE_CAUSALITY_CODES[event.relatedness])
                    ]
                body["suspectEntity"] = [
                    {
                        "instance": ref(self.dose_ids[d.pk]),
                        "causality": [{"assessment": assessment}],
                    }
                    for d in given
                ]
            self.add("AdverseEvent", resource_id("AdverseEvent", event.pk), body)
