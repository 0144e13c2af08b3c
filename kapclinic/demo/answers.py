"""What each demo patient typed into the intake wizard, as their phone would post it.

Varied on purpose so every review page has something to show: Noor reports trauma (so the
PCL-5 is asked) and takes lorazepam (a benzodiazepine interaction note), Theo's alcohol screen
is positive, Lee has high blood pressure that is controlled. Nobody answers above 0 on PHQ-9
item 9 at intake: that would raise an urgent flag and, rightly, block clearance. The answers
themselves are data (`data/intakes.toml`); the functions here fill each step around them.
"""

from .data import read

YES, NO = "True", "False"

MEDICAL_QUESTIONS = (
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


def medical(*, allergies="", other_conditions="", controlled="", **answers):
    """The physical health step: "No" to every question not given as YES."""
    return {
        **{question: answers.pop(question, NO) for question in MEDICAL_QUESTIONS},
        "blood_pressure_controlled": controlled,
        "allergies": allergies,
        "other_conditions": other_conditions,
    }


def psychiatric(*, trauma=NO, hospitalisations=0, tried=(), outcome=""):
    return {
        "psychosis_history": NO,
        "psychosis_family_history": NO,
        "bipolar_diagnosis": NO,
        "mania_past_year": NO,
        "trauma_history": trauma,
        "hospitalisations": str(hospitalisations),
        "prior_treatments": list(tried),
        "prior_treatment_outcome": outcome,
    }


def medications(*lines):
    if not lines:
        return {"no_medicines": "on", "medicines": ""}
    return {"medicines": "\n".join(lines)}


def substance(*, ketamine="never", ketamine_details=""):
    return {
        "drug_use_past_year": NO,
        "drug_use_details": "",
        "substance_use_disorder_history": NO,
        "substance_use_in_recovery_years": "",
        "prior_ketamine_use": ketamine,
        "ketamine_use_details": ketamine_details,
    }


def scale(*points, difficulty=None):
    """Questionnaire answers item by item (q1, q2, …), plus the unscored difficulty item."""
    answers = {f"q{number}": str(value) for number, value in enumerate(points, start=1)}
    if difficulty is not None:
        answers["difficulty"] = str(difficulty)
    return answers


def about(*, born, sex, phone, pronouns="", preferred_name=""):
    return {
        "preferred_name": preferred_name,
        "pronouns": pronouns,
        "date_of_birth": born,
        "sex_at_birth": sex,
        "phone": phone,
        "emergency_contact_name": "Chris Example",
        "emergency_contact_relationship": "Partner",
        "emergency_contact_phone": "+44 7700 900999",
    }


# Robin has saved "About you" and "Physical health", and left "Mental health history" half
# done: the wizard resumes there and shows what is still missing.
ROBIN_SAVED = {
    "about": about(born="1979-02-11", sex="male", phone="+44 7700 900101", pronouns="he/him"),
    "medical": medical(allergies="Hay fever, takes cetirizine in summer"),
}
ROBIN_DRAFT = {
    "psychosis_history": NO,
    "psychosis_family_history": NO,
    "bipolar_diagnosis": NO,
    "prior_treatments": ["antidepressants", "psychotherapy"],
}

# The intake's questionnaires, answered item by item (the PCL-5 only after a trauma history).
QUESTIONNAIRES = ("auditc", "gad7", "phq9", "pcl5")


def intake(entry):
    """Every step of the wizard from one patient's table in data/intakes.toml."""
    answers = {
        "about": about(**entry["about"]),
        "medical": medical(**entry.get("medical", {})),
        "psychiatric": psychiatric(**entry["psychiatric"]),
        "medications": medications(*entry["medications"]),
        "substance": substance(**entry.get("substance", {})),
        "goals": entry["goals"],
    }
    for code in QUESTIONNAIRES:
        if code in entry:
            answers[code] = scale(*entry[code]["items"], difficulty=entry[code].get("difficulty"))
    return answers


INTAKES = {email: intake(entry) for email, entry in read("intakes").items()}

# The prescriber's rationale for clearing, naming what the screen found.
CLEARANCE_RATIONALE = {
    "cleared@example.com": (
        "PHQ-9 13 (moderate) after two adequate antidepressant trials. AUDIT-C 4 (positive): "
        "drinks at weekends only; agrees to no alcohol for 24 hours either side of each dose. "
        "No other contraindication. Suitable for sublingual KAP."
    ),
    "patient@example.com": (
        "PHQ-9 16 (moderately severe), treatment-resistant after three antidepressants and "
        "TMS. Item 9 answered 0; no psychosis or mania. Thyroid treated and stable. Suitable "
        "for sublingual KAP with weekly PHQ-9 check-ins."
    ),
    "maintenance@example.com": (
        "PHQ-9 17 (moderately severe), recurrent, after two antidepressants and therapy. "
        "Item 9 answered 0; no contraindication. Suitable for sublingual KAP: an induction of "
        "three sessions, then re-evaluate."
    ),
    "integration@example.com": (
        "GAD-7 13 (moderate). Hypertension controlled on amlodipine, home readings around "
        "130/80: baseline BP before each dose and monitoring per protocol. Previous medical "
        "ketamine without problems. Suitable for sublingual KAP."
    ),
}
