"""Valid answers for every intake step, as a phone would post them."""

from django.urls import reverse

from intake.models import ConsentDocument

NO = "False"
YES = "True"

MEDICAL_NO = {
    field: NO
    for field in (
        "ketamine_hypersensitivity",
        "bp_rise_hazard",
        "aneurysm_or_avm",
        "brain_haemorrhage_or_raised_icp",
        "high_blood_pressure",
        "heart_or_stroke_history",
        "heart_or_stroke_recent_6_months",
        "glaucoma",
        "liver_disease",
        "urinary_symptoms",
        "overactive_thyroid",
        "seizures",
        "anaesthesia_or_ketamine_reaction",
        "pregnant",
        "breastfeeding",
    )
}


def step_data(patient):
    """POST data for each plain step and questionnaire, all answered and unremarkable."""
    return {
        "about": {
            "preferred_name": "",
            "pronouns": "she/her",
            "date_of_birth": "1985-06-15",
            "sex_at_birth": "female",
            "phone": "+44 7700 900123",
            "emergency_contact_name": "Chris Example",
            "emergency_contact_relationship": "Partner",
            "emergency_contact_phone": "+44 7700 900999",
        },
        "medical": {
            **MEDICAL_NO,
            "blood_pressure_controlled": "",
            "allergies": "",
            "other_conditions": "",
        },
        "psychiatric": {
            "psychosis_history": NO,
            "psychosis_family_history": NO,
            "bipolar_diagnosis": NO,
            "mania_past_year": NO,
            "trauma_history": NO,
            "hospitalisations": "0",
            "prior_treatments": ["antidepressants"],
            "prior_treatment_outcome": "Some help.",
        },
        "medications": {"no_medicines": "on", "medicines": ""},
        "substance": {
            "drug_use_past_year": NO,
            "drug_use_details": "",
            "substance_use_disorder_history": NO,
            "substance_use_in_recovery_years": "",
            "prior_ketamine_use": "never",
            "ketamine_use_details": "",
        },
        "auditc": {f"q{i}": "0" for i in range(1, 4)},
        "gad7": {f"q{i}": "1" for i in range(1, 8)},
        "phq9": {**{f"q{i}": "1" for i in range(1, 9)}, "q9": "0"},
        "pcl5": {f"q{i}": "2" for i in range(1, 21)},
        "goals": {"goals": "Feel less weighed down.", "intentions": "", "support": "My partner"},
        "consent": {"agreed": "on", "signed_name": patient.legal_name},
    }


def publish_consent(clinic):
    return ConsentDocument.objects.create(clinic=clinic, version="1.0", body="Consent text.")


def fill_intake(client, patient, overrides=None, skip=()):
    """Post every applicable step through the real views; returns the last response."""
    data = step_data(patient)
    for key, values in (overrides or {}).items():
        data[key] = {**data[key], **values}
    response = None
    for key in (
        "about",
        "medical",
        "psychiatric",
        "medications",
        "substance",
        "auditc",
        "gad7",
        "phq9",
        "pcl5",
        "goals",
        "consent",
    ):
        if key in skip:
            continue
        if key == "pcl5" and data["psychiatric"]["trauma_history"] != YES:
            continue
        response = client.post(reverse("intake:step", args=[key]), data[key])
        assert response.status_code == 302, (key, response.content.decode()[:3000])
        if response["Location"] == reverse("intake:step", args=["support"]):
            # An answer that called for support: the patient reads it and carries on.
            response = client.post(response["Location"], {})
    return response
