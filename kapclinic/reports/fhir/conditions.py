"""FHIR Conditions: the course's diagnoses, coded in ICD-10-CM, and the references that make
them the reasons for the course's appointments and doses.
"""

from collections import defaultdict

from kapclinic.clinic import icd10

from .codes import coding, instant, ref, resource_id

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"


class ConditionResources:
    """Mixed into the BundleBuilder: `self.diagnoses` is read by its `load()`."""

    def add_conditions(self):
        """Each diagnosis as a Condition. Those in force are the reasons the course's
        appointments and doses refer to (`reasons`); one entered in error stays, marked so,
        as FHIR asks (and then without a clinical status)."""
        self.condition_ids = defaultdict(list)  # course id → in-force Condition ids
        for dx in self.diagnoses:
            rid = resource_id("Condition", dx.pk)
            verification = (
                coding(CONDITION_VERIFICATION, "confirmed", "Confirmed")
                if dx.in_force
                else coding(CONDITION_VERIFICATION, "entered-in-error", "Entered in Error")
            )
            body = {
                "verificationStatus": {"coding": [verification]},
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
        """References to the course's diagnoses in force, for a resource's reasonReference."""
        return [ref(rid) for rid in self.condition_ids.get(course_id, [])]
