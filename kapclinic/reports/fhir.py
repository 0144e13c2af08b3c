"""One patient's record as a FHIR R4 Bundle (type "collection"), for a clinician to download.

`patient_bundle(patient)` reads the record in a fixed number of queries, whatever its size,
and returns a plain dict ready for `json.dumps`. Codes follow the domain reference: §6
(resources), §4.3 (vital-sign LOINC codes and UCUM units) and the instrument definitions'
LOINC codes. Every resource's id is derived from its table and primary key (uuid5), so two
exports of the same record name the same resources the same way; references between them are
the `urn:uuid:` full URLs.

Questionnaires of instruments whose wording is licensed (`text_licensed`) carry structure and
codes only: no item text and no answer wording, so copyrighted text never leaves the system.
"""

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from intake.consent import withdrawal_of
from intake.models import ConsentSignature
from kapclinic.clinic import icd10
from kapclinic.clinic.models import (
    Appointment,
    Diagnosis,
    Product,
    Provider,
    Route,
    TreatmentCourse,
)
from kapclinic.instruments import INSTRUMENTS
from kapclinic.measures.models import QuestionnaireResponse
from sessions.models import Administration, AdverseEvent, DosingSession, VitalSigns

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

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

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


class BundleBuilder:
    """Collects one patient's resources; see `patient_bundle`."""

    def __init__(self, patient):
        self.patient = patient
        self.patient_id = resource_id("Patient", patient.pk)
        self.entries = []
        self.practitioners = {}  # user id → (practitioner resource id, display)

    # --- reading ----------------------------------------------------------------------------

    def load(self):
        patient = self.patient
        mine = Q(course__patient=patient)
        self.courses = list(
            TreatmentCourse.objects.filter(patient=patient).prefetch_related("care_team")
        )
        self.responses = list(
            QuestionnaireResponse.objects.filter(mine).order_by("started_at", "pk")
        )
        self.appointments = list(Appointment.objects.filter(mine).order_by("starts_at", "pk"))
        self.sessions = list(DosingSession.objects.filter(mine).order_by("started_at", "pk"))
        on_my_sessions = Q(session__course__patient=patient)
        self.vitals = list(VitalSigns.objects.filter(on_my_sessions).order_by("taken_at", "pk"))
        self.doses = list(Administration.objects.filter(on_my_sessions).order_by("given_at", "pk"))
        self.events = list(AdverseEvent.objects.filter(on_my_sessions).order_by("onset_at", "pk"))
        self.diagnoses = list(Diagnosis.objects.filter(mine).order_by("added_at", "pk"))
        self.consents = list(
            ConsentSignature.objects.filter(mine)
            .select_related("document", "withdrawal")
            .order_by("signed_at")
        )
        # The staff named anywhere in this record, and nobody else.
        provider_ids = {p.pk for course in self.courses for p in course.care_team.all()}
        provider_ids |= {a.clinician_id for a in self.appointments if a.clinician_id}
        user_ids = {v.recorded_by_id for v in self.vitals}
        user_ids |= {d.given_by_id for d in self.doses} | {e.recorded_by_id for e in self.events}
        user_ids |= {dx.added_by_id for dx in self.diagnoses}
        self.providers = list(
            Provider.objects.filter(Q(pk__in=provider_ids) | Q(user_id__in=user_ids))
            .select_related("user")
            .order_by("pk")
        )

    # --- writing ----------------------------------------------------------------------------

    def add(self, resource_type, rid, body):
        self.entries.append(
            {
                "fullUrl": full_url(rid),
                "resource": {"resourceType": resource_type, "id": rid, **body},
            }
        )

    def subject(self):
        return ref(self.patient_id, self.patient.legal_name)

    def performer(self, user_id):
        known = self.practitioners.get(user_id)
        return ref(*known) if known else None

    def build(self):
        self.load()
        self.add_patient()
        self.add_practitioners()
        self.add_conditions()
        self.add_questionnaires()
        self.add_vitals()
        self.add_doses()
        self.add_adverse_events()
        self.add_consents()
        self.add_appointments()
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": instant(timezone.now())},
            "type": "collection",
            "timestamp": instant(timezone.now()),
            "entry": self.entries,
        }

    def add_patient(self):
        patient = self.patient
        names = [{"use": "official", "text": patient.legal_name}]
        if patient.preferred_name and patient.preferred_name != patient.legal_name:
            names.append({"use": "usual", "text": patient.preferred_name})
        telecom = [{"system": "email", "value": patient.email}]
        if patient.phone:
            telecom.append({"system": "phone", "value": patient.phone})
        body = {
            "identifier": [{"system": PATIENT_ID_SYSTEM, "value": str(patient.pk)}],
            "active": True,
            "name": names,
            "telecom": telecom,
            "managingOrganization": {"display": patient.clinic.name},
        }
        if patient.date_of_birth:
            body["birthDate"] = patient.date_of_birth.isoformat()
        if patient.emergency_contact_name:
            contact = {"name": {"text": patient.emergency_contact_name}}
            if patient.emergency_contact_relationship:
                contact["relationship"] = [{"text": patient.emergency_contact_relationship}]
            if patient.emergency_contact_phone:
                contact["telecom"] = [{"system": "phone", "value": patient.emergency_contact_phone}]
            body["contact"] = [contact]
        self.add("Patient", self.patient_id, body)

    def add_practitioners(self):
        for provider in self.providers:
            rid = resource_id("Practitioner", provider.pk)
            display = str(provider)
            self.practitioners[provider.user_id] = (rid, display)
            name = provider.user.get_full_name() or provider.user.email
            body = {
                "active": provider.active,
                "name": [{"text": name}],
                "telecom": [{"system": "email", "value": provider.user.email}],
            }
            if provider.licence_number:
                body["identifier"] = [{"value": provider.licence_number}]
            qualification = provider.credentials or provider.get_role_display()
            body["qualification"] = [{"code": {"text": qualification}}]
            self.add("Practitioner", rid, body)

    # --- diagnoses ----------------------------------------------------------------------------

    def add_conditions(self):
        """Each diagnosis as a Condition coded in ICD-10-CM. Those in force are the reasons
        the course's appointments and doses refer to (`reasons`); one entered in error stays,
        marked so, as FHIR asks (no clinical status then)."""
        self.condition_ids = defaultdict(list)  # course id → in-force Condition ids
        for dx in self.diagnoses:
            rid = resource_id("Condition", dx.pk)
            body = {
                "verificationStatus": {
                    "coding": [
                        coding(CONDITION_VERIFICATION, "confirmed", "Confirmed")
                        if dx.in_force
                        else coding(CONDITION_VERIFICATION, "entered-in-error", "Entered in Error")
                    ]
                },
                "category": [
                    {
                        "coding": [
                            coding(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
                        ]
                    }
                ],
                "code": {
                    "coding": [coding(icd10.SYSTEM, dx.code, dx.description)],
                    "text": dx.description,
                },
                "subject": self.subject(),
                "recordedDate": instant(dx.added_at),
            }
            if dx.in_force:
                body["clinicalStatus"] = {
                    "coding": [coding(CONDITION_CLINICAL, "active", "Active")]
                }
                self.condition_ids[dx.course_id].append(rid)
            else:
                body["note"] = [{"text": f"Entered in error: {dx.entered_in_error_reason}"}]
            if dx.primary:
                body.setdefault("note", []).append({"text": "Primary diagnosis"})
            recorder = self.performer(dx.added_by_id)
            if recorder:
                body["recorder"] = recorder
            self.add("Condition", rid, body)

    def reasons(self, course_id):
        return [ref(rid) for rid in self.condition_ids.get(course_id, [])]

    # --- questionnaires and scores ----------------------------------------------------------

    def add_questionnaires(self):
        used = {}
        for response in self.responses:
            used.setdefault(response.instrument, INSTRUMENTS[response.instrument])
        canonical = {}
        for code, instrument in used.items():
            rid = resource_id("Questionnaire", code, instrument.version)
            canonical[code] = full_url(rid)
            self.add("Questionnaire", rid, self.questionnaire(instrument, rid))
        for response in self.responses:
            self.add_response(response, INSTRUMENTS[response.instrument], canonical)

    def questionnaire(self, instrument, rid):
        body = {
            "url": full_url(rid),
            "version": instrument.version,
            "name": "".join(ch for ch in instrument.short_name if ch.isalnum()) or instrument.code,
            "title": instrument.name,
            "status": "active",
            "subjectType": ["Patient"],
            "copyright": instrument.licence,
        }
        if instrument.panel_loinc:
            body["code"] = [coding(LOINC, instrument.panel_loinc, instrument.short_name)]
        body["item"] = [self.question(instrument, item) for item in instrument.items]
        return body

    def question(self, instrument, item):
        may_ship = not instrument.text_licensed
        question = {"linkId": item.key, "type": "choice", "required": item.required}
        if may_ship:
            question["text"] = item.text
        if item.loinc:
            question["code"] = [coding(LOINC, item.loinc)]
        options = []
        for option in item.options:
            value = answer_coding(option, with_display=may_ship)
            option_body = {"valueCoding": value}
            if item.scored:
                option_body["extension"] = [
                    {"url": ORDINAL_VALUE, "valueDecimal": item.points(option.value)}
                ]
            options.append(option_body)
        question["answerOption"] = options
        return question

    def add_response(self, response, instrument, canonical):
        rid = resource_id("QuestionnaireResponse", response.pk)
        items = []
        for item in instrument.items:
            value = response.answers.get(item.key)
            if value is None:
                continue
            option = next((o for o in item.options if o.value == value), None)
            answer = (
                {"valueCoding": answer_coding(option, with_display=not instrument.text_licensed)}
                if option is not None
                else {"valueInteger": int(value)}
            )
            items.append({"linkId": item.key, "answer": [answer]})
        completed = response.is_completed
        body = {
            "questionnaire": f"{canonical[response.instrument]}|{instrument.version}",
            "status": "completed" if completed else "in-progress",
            "subject": self.subject(),
            "authored": instant(response.completed_at or response.started_at),
        }
        if items:
            body["item"] = items
        self.add("QuestionnaireResponse", rid, body)
        if completed:
            self.add_score(response, instrument, rid)

    def add_score(self, response, instrument, response_id):
        body = {
            "status": "final",
            "category": category("survey", "Survey"),
            "subject": self.subject(),
            "effectiveDateTime": instant(response.completed_at),
            "derivedFrom": [ref(response_id)],
        }
        if response.total is not None:
            code = {"text": f"{instrument.short_name} total score"}
            if instrument.total_loinc:
                code["coding"] = [coding(LOINC, instrument.total_loinc, code["text"])]
            body["code"] = code
            body["valueQuantity"] = quantity(response.total, "{score}")
            if response.band:
                body["interpretation"] = [{"text": response.band}]
        elif instrument.tiers:
            code = {"text": f"{instrument.short_name} risk level"}
            if instrument.tiers.loinc:
                code["coding"] = [coding(LOINC, instrument.tiers.loinc, code["text"])]
            body["code"] = code
            # With nothing endorsed no tier rule matches: said so, not left out.
            body["valueCodeableConcept"] = {"text": response.tier_label or NO_TIER}
        else:
            return
        self.add("Observation", resource_id("Observation", "score", response.pk), body)

    # --- the dosing session -----------------------------------------------------------------

    def vital(self, key, code, display, effective, user_id=None, **value):
        codings = code if isinstance(code, list) else [coding(LOINC, code, display)]
        body = {
            "status": "final",
            "category": category("vital-signs", "Vital Signs"),
            "code": {"coding": codings, "text": display},
            "subject": self.subject(),
            "effectiveDateTime": instant(effective),
            **value,
        }
        performer = self.performer(user_id)
        if performer:
            body["performer"] = [performer]
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
            self.vital(
                ("bp", row.pk),
                "85354-9",
                "Blood pressure panel with all children optional",
                at,
                by,
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
            self.vital(
                ("hr", row.pk),
                "8867-4",
                "Heart rate",
                at,
                by,
                valueQuantity=quantity(row.heart_rate, "beats/minute", "/min"),
            )
            self.vital(
                ("spo2", row.pk),
                [
                    coding(LOINC, "59408-5", "Oxygen saturation by pulse oximetry"),
                    coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
                ],
                "Oxygen saturation by pulse oximetry",
                at,
                by,
                valueQuantity=quantity(row.spo2, "%"),
            )
            if row.respiratory_rate is not None:
                self.vital(
                    ("rr", row.pk),
                    "9279-1",
                    "Respiratory rate",
                    at,
                    by,
                    valueQuantity=quantity(row.respiratory_rate, "breaths/minute", "/min"),
                )
            if row.temperature is not None:
                self.vital(
                    ("temp", row.pk),
                    "8310-5",
                    "Body temperature",
                    at,
                    by,
                    valueQuantity=quantity(row.temperature, "C", "Cel"),
                )

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
                "status": "completed",
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
            if dose.out_of_range_reason:
                body["note"] = [{"text": dose.out_of_range_reason}]
            if reasons := self.reasons(course_of_session.get(dose.session_id)):
                body["reasonReference"] = reasons
            self.add("MedicationAdministration", rid, body)

    def add_adverse_events(self):
        # R4B AdverseEvent has no note: the clinician's description rides in event.text.
        doses_by_session = defaultdict(list)
        for dose in self.doses:
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

    # --- consent and scheduling -------------------------------------------------------------

    def add_consents(self):
        for signature in self.consents:
            document = signature.document
            withdrawal = withdrawal_of(signature)
            scope, scope_label = CONSENT_SCOPES.get(document.kind, CONSENT_SCOPES["treatment"])
            period = {"start": instant(signature.signed_at)}
            if withdrawal is not None:  # withdrawn: no longer in force from that moment
                period["end"] = instant(withdrawal.withdrawn_at)
            body = {
                "status": "inactive" if withdrawal is not None else "active",
                "scope": {
                    "coding": [
                        coding(
                            "http://terminology.hl7.org/CodeSystem/consentscope",
                            scope,
                            scope_label,
                        )
                    ]
                },
                "category": [{"coding": [coding(LOINC, "59284-0", "Consent Document")]}],
                "patient": self.subject(),
                "dateTime": instant(signature.signed_at),
                "performer": [self.subject()],
                "organization": [{"display": self.patient.clinic.name}],
                "sourceAttachment": {
                    "title": f"{document.title} (version {document.version})",
                    "creation": instant(document.published_at),
                },
                "policyRule": {
                    "coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN")],
                    "text": f"{document.title}, version {document.version}",
                },
                "verification": [
                    {
                        "verified": True,
                        "verifiedWith": self.subject(),
                        "verificationDate": instant(signature.signed_at),
                    }
                ],
                "provision": {"type": "permit", "period": period},
            }
            self.add("Consent", resource_id("Consent", signature.pk), body)

    def add_appointments(self):
        for appointment in self.appointments:
            participants = [{"actor": self.subject(), "status": "accepted"}]
            clinician = self.performer_for_provider(appointment.clinician_id)
            if clinician:
                participants.append({"actor": clinician, "status": "accepted"})
            body = {
                "status": APPOINTMENT_STATUS[appointment.status],
                "serviceType": [{"text": appointment.get_kind_display()}],
                "description": appointment.get_kind_display(),
                "start": instant(appointment.starts_at),
                "end": instant(appointment.ends_at),
                "created": instant(appointment.created_at),
                "participant": participants,
            }
            if reasons := self.reasons(appointment.course_id):
                body["reasonReference"] = reasons
            if appointment.status_reason and appointment.status in (
                Appointment.Status.CANCELLED,
                Appointment.Status.NO_SHOW,
            ):
                body["cancelationReason"] = {"text": appointment.status_reason}
            elif appointment.status_reason:
                body["comment"] = appointment.status_reason
            self.add("Appointment", resource_id("Appointment", appointment.pk), body)

    def performer_for_provider(self, provider_id):
        provider = next((p for p in self.providers if p.pk == provider_id), None)
        return self.performer(provider.user_id) if provider else None


def answer_coding(option, *, with_display):
    """An answer option as a Coding: its LOINC answer code if it has one, else its value."""
    result = coding(LOINC, option.loinc) if option.loinc else {"code": str(option.value)}
    if with_display:
        result["display"] = option.label
    return result


def patient_bundle(patient):
    """The patient's whole record as a FHIR R4 collection Bundle (a JSON-ready dict).

    `patient` should come with its clinic (select_related); the caller has checked access.
    """
    return BundleBuilder(patient).build()
