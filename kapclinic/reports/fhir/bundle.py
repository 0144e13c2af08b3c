"""The Bundle of one patient's record: what it reads (in a fixed number of queries) and the
resources of the patient, their practitioners, consents and appointments.
"""

import uuid

from django.db.models import Q
from django.utils import timezone

from intake.consent import withdrawal_of
from intake.models import ConsentSignature
from kapclinic.clinic.models import Appointment, Diagnosis, Provider, TreatmentCourse
from kapclinic.measures.models import QuestionnaireResponse
from sessions.models import Administration, AdverseEvent, DosingSession, VitalSigns

from .codes import (
    APPOINTMENT_STATUS,
    CONSENT_SCOPES,
    LOINC,
    PATIENT_ID_SYSTEM,
    coding,
    full_url,
    instant,
    ref,
    resource_id,
)
from .conditions import ConditionResources
from .dosing import DosingResources
from .measures import QuestionnaireResources


class BundleBuilder(ConditionResources, QuestionnaireResources, DosingResources):
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
        self.appointments = list(
            Appointment.objects.filter(mine).select_related("resource").order_by("starts_at", "pk")
        )
        self.sessions = list(DosingSession.objects.filter(mine).order_by("started_at", "pk"))
        on_my_sessions = Q(session__course__patient=patient)
        # Struck readings and doses too (entered in error), exported as such so that a system
        # that took an earlier copy withdraws them. A struck adverse event is left out: R4's
        # AdverseEvent has no status to say so.
        self.vitals = list(VitalSigns.entries.filter(on_my_sessions).order_by("taken_at", "pk"))
        self.doses = list(Administration.entries.filter(on_my_sessions).order_by("given_at", "pk"))
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
            if appointment.resource_id:  # the room or chair, by name (a Location reference)
                participants.append(
                    {"actor": {"display": appointment.resource.name}, "status": "accepted"}
                )
            body = {
                "status": APPOINTMENT_STATUS[appointment.status],
                "serviceType": [{"text": appointment.get_kind_display()}],
                "description": appointment.get_kind_display(),
                "start": instant(appointment.starts_at),
                "end": instant(appointment.ends_at),
                "created": instant(appointment.created_at),
                "participant": participants,
            }
            if appointment.status_reason and appointment.status in (
                Appointment.Status.CANCELLED,
                Appointment.Status.NO_SHOW,
            ):
                body["cancelationReason"] = {"text": appointment.status_reason}
            elif appointment.status_reason:
                body["comment"] = appointment.status_reason
            if reasons := self.reasons(appointment.course_id):
                body["reasonReference"] = reasons
            self.add("Appointment", resource_id("Appointment", appointment.pk), body)

    def performer_for_provider(self, provider_id):
        provider = next((p for p in self.providers if p.pk == provider_id), None)
        return self.performer(provider.user_id) if provider else None


def patient_bundle(patient):
    """The patient's whole record as a FHIR R4 collection Bundle (a JSON-ready dict).

    `patient` should come with its clinic (select_related); the caller has checked access.
    """
    return BundleBuilder(patient).build()
