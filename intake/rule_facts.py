"""What a contraindication rule may read: the wizard's answer schema, the protocol's cut-offs
and one submission's facts (answers, scores, recognised medicines).

Pure Python, no database; the rule vocabulary (`rule_language.py`) checks each condition's
names against SCHEMA, CHOICES and the threshold keys when it is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kapclinic.instruments import Score

from .medications import RecognisedMedication, recognise

# The intake wizard's answer schema: step -> fields a rule may read.
SCHEMA: dict[str, frozenset[str]] = {
    "about": frozenset({
        "date_of_birth", "sex_at_birth", "pronouns", "preferred_name", "phone",
        "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
    }),
    "medical": frozenset({
        "ketamine_hypersensitivity", "bp_rise_hazard", "aneurysm_or_avm",
        "brain_haemorrhage_or_raised_icp", "high_blood_pressure", "blood_pressure_controlled",
        "heart_or_stroke_history", "heart_or_stroke_recent_6_months", "glaucoma",
        "liver_disease", "urinary_symptoms", "overactive_thyroid", "seizures",
        "anaesthesia_or_ketamine_reaction", "pregnant", "breastfeeding", "allergies",
        "other_conditions",
    }),
    "psychiatric": frozenset({
        "psychosis_history", "psychosis_family_history", "bipolar_diagnosis", "mania_past_year",
        "trauma_history", "hospitalisations", "prior_treatments", "prior_treatment_outcome",
    }),
    "medications": frozenset({"items"}),
    "substance": frozenset({
        "drug_use_past_year", "drug_use_details", "substance_use_disorder_history",
        "substance_use_in_recovery_years", "prior_ketamine_use", "ketamine_use_details",
    }),
    "goals": frozenset({"goals", "intentions", "support"}),
}  # fmt: skip

# Fields with a fixed set of answers, so a rule cannot wait for a value the form never sends.
CHOICES: dict[tuple[str, str], frozenset[object]] = {
    ("about", "sex_at_birth"): frozenset({"female", "male", "intersex", "prefer_not_to_say"}),
    ("substance", "prior_ketamine_use"): frozenset({"never", "medical", "recreational"}),
}

# Cut-offs read from the clinic's signed-off Protocol (`Protocol.intake_thresholds`). These
# are the published values: the screen uses them only while the clinic has no signed-off
# protocol, and then adds a caution saying so (intake.services.screening_thresholds).
DEFAULT_THRESHOLDS: dict[str, int] = {
    "auditc_positive_female": 3,  # domain reference §1.6: AUDIT-C ≥3 women
    "auditc_positive_male": 4,  # domain reference §1.6: AUDIT-C ≥4 men
    "pcl5_provisional_cutoff": 33,  # domain reference §1.4: 31-33, configurable
    "phq9_further_evaluation": 10,  # domain reference §1.3: ≥10 detects major depression
    "gad7_further_evaluation": 10,  # domain reference §1.2: ≥10 further evaluation
}
THRESHOLD_KEYS = frozenset(DEFAULT_THRESHOLDS)


@dataclass(frozen=True)
class IntakeFacts:
    answers: Mapping[str, Mapping[str, Any]]
    scores: Mapping[str, Score]
    item_answers: Mapping[str, Mapping[str, int]]
    medication_classes: frozenset[str]
    thresholds: Mapping[str, int]
    # The recognised list, so a medication rule can name the medicine that triggered it.
    medications: tuple[RecognisedMedication, ...] = ()

    @classmethod
    def build(
        cls,
        answers: Mapping[str, Mapping[str, Any]],
        scores: Mapping[str, Score],
        item_answers: Mapping[str, Mapping[str, int]],
        thresholds: Mapping[str, int],
    ) -> IntakeFacts:
        """Facts for one submission; refuses a protocol missing a cut-off rather than guess."""
        missing = sorted(THRESHOLD_KEYS - set(thresholds))
        if missing:
            raise ValueError(f"Intake thresholds missing from the protocol: {', '.join(missing)}")
        medications = tuple(recognise((answers.get("medications") or {}).get("items") or ()))
        return cls(
            answers=answers,
            scores=scores,
            item_answers=item_answers,
            medication_classes=frozenset(c for med in medications for c in med.classes),
            thresholds=thresholds,
            medications=medications,
        )

    def answer(self, step: str, name: str) -> Any:
        return (self.answers.get(step) or {}).get(name)

    def total(self, instrument: str) -> int | None:
        score = self.scores.get(instrument)
        return score.total if score is not None else None
