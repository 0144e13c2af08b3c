"""What each demo patient typed into the intake wizard, as their phone would post it.

Varied on purpose so every review page has something to show: Noor reports trauma (so the
PCL-5 is asked) and takes lorazepam (a benzodiazepine interaction note), Theo's alcohol screen
is positive, Lee has high blood pressure that is controlled. Nobody answers above 0 on PHQ-9
item 9 at intake: that would raise an urgent flag and, rightly, block clearance.
"""

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

INTAKES = {
    # PTSD with a trauma history, on lorazepam: PCL-5, GAD-7 and PHQ-9 all moderate.
    "review@example.com": {
        "about": about(born="1983-03-12", sex="female", phone="+44 7700 900102"),
        "medical": medical(allergies="Penicillin (rash)"),
        "psychiatric": psychiatric(
            trauma=YES,
            tried=["antidepressants", "psychotherapy"],
            outcome=(
                "Sertraline takes the edge off. Twelve sessions of trauma-focused CBT in 2023 "
                "helped with the nightmares for a while, but the flashbacks came back."
            ),
        ),
        "medications": medications(
            "Sertraline 100 mg once a day",
            "Lorazepam 0.5 mg when needed for panic, about twice a week",
        ),
        "substance": substance(),
        "auditc": scale(1, 0, 0),
        "gad7": scale(2, 2, 1, 2, 1, 2, 2, difficulty=2),
        "phq9": scale(2, 2, 2, 1, 1, 2, 1, 0, 0, difficulty=1),
        "pcl5": scale(3, 3, 2, 3, 2, 3, 2, 1, 2, 2, 2, 2, 1, 2, 2, 3, 2, 2, 1, 2),
        "goals": {
            "goals": "Get through a day without flashbacks, and sleep without waking in a panic.",
            "intentions": "To feel safe in my own body again.",
            "support": "My sister; my GP; a trauma therapist I see every fortnight.",
        },
    },
    # Depression after two antidepressants; a positive alcohol screen to weigh at review.
    "cleared@example.com": {
        "about": about(born="1987-04-13", sex="male", phone="+44 7700 900103", pronouns="he/him"),
        "medical": medical(),
        "psychiatric": psychiatric(
            tried=["antidepressants", "psychotherapy"],
            outcome=(
                "Citalopram for a year, then venlafaxine since 2024: better sleep, mood still "
                "low most weeks. CBT through work was useful while it lasted."
            ),
        ),
        "medications": medications("Venlafaxine XL 150 mg once a day"),
        "substance": substance(),
        "auditc": scale(2, 1, 1),
        "gad7": scale(1, 1, 1, 2, 0, 1, 1, difficulty=1),
        "phq9": scale(2, 2, 2, 2, 1, 2, 1, 1, 0, difficulty=2),
        "goals": {
            "goals": "Enjoy things again, and stop cancelling on friends.",
            "intentions": "Curiosity rather than dread.",
            "support": "My partner and my brother.",
        },
    },
    # Depression, long-standing, with TMS tried; item 9 was 0 at intake (the flag came later).
    "patient@example.com": {
        "about": about(
            born="1991-05-14",
            sex="female",
            phone="+44 7700 900104",
            pronouns="she/her",
            preferred_name="Amara",
        ),
        "medical": medical(other_conditions="Underactive thyroid, treated with levothyroxine."),
        "psychiatric": psychiatric(
            hospitalisations=1,
            tried=["antidepressants", "psychotherapy", "tms"],
            outcome=(
                "Three antidepressants over eight years; mirtazapine helps me sleep. TMS in 2025 "
                "lifted things for about two months. One admission in 2019."
            ),
        ),
        "medications": medications(
            "Mirtazapine 30 mg at night",
            "Levothyroxine 75 micrograms every morning",
        ),
        "substance": substance(),
        "auditc": scale(1, 0, 0),
        "gad7": scale(1, 2, 1, 1, 0, 1, 1, difficulty=1),
        "phq9": scale(2, 3, 2, 3, 1, 2, 2, 1, 0, difficulty=2),
        "goals": {
            "goals": "Have enough energy to go back to work part-time.",
            "intentions": "Be kinder to myself.",
            "support": "My mum; a peer support group on Thursdays.",
        },
    },
    # Anxiety, GAD-7 moderate; high blood pressure controlled on amlodipine.
    "integration@example.com": {
        "about": about(
            born="1995-06-15",
            sex="prefer_not_to_say",
            phone="+44 7700 900105",
            pronouns="they/them",
        ),
        "medical": medical(high_blood_pressure=YES, controlled=YES),
        "psychiatric": psychiatric(
            tried=["psychotherapy", "antidepressants"],
            outcome=(
                "Sertraline made me feel flat, so I stopped it in 2024. Group CBT for anxiety "
                "gave me tools that help on good days."
            ),
        ),
        "medications": medications("Amlodipine 5 mg once a day"),
        "substance": substance(
            ketamine="medical",
            ketamine_details="Ketamine as an anaesthetic for a knee operation in 2018; fine.",
        ),
        "auditc": scale(1, 1, 0),
        "gad7": scale(2, 2, 2, 2, 1, 2, 2, difficulty=2),
        "phq9": scale(1, 1, 2, 1, 1, 1, 1, 0, 0, difficulty=1),
        "goals": {
            "goals": "Speak up in meetings without my heart racing for hours before.",
            "intentions": "Notice the worry without obeying it.",
            "support": "Flatmates, and a therapist I see monthly.",
        },
    },
}

INTAKES["maintenance@example.com"] = {
    # Recurrent depression, moderately severe; two antidepressants and therapy tried.
    "about": about(
        born="1979-09-21",
        sex="female",
        phone="+44 7700 900106",
        pronouns="she/her",
        preferred_name="Mina",
    ),
    "medical": medical(),
    "psychiatric": psychiatric(
        tried=["antidepressants", "psychotherapy"],
        outcome=(
            "Fluoxetine, then sertraline: each helped for a year or so. Interpersonal therapy "
            "in 2022 was good while it lasted."
        ),
    ),
    "medications": medications("Sertraline 150 mg once a day"),
    "substance": substance(),
    "auditc": scale(1, 0, 0),
    "gad7": scale(2, 1, 2, 1, 1, 1, 1, difficulty=2),
    "phq9": scale(2, 3, 2, 2, 2, 2, 2, 2, 0, difficulty=2),
    "goals": {
        "goals": "Get through the winter without losing months to it again.",
        "intentions": "Stay with what comes up.",
        "support": "My husband; my sister in Leeds.",
    },
}

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
