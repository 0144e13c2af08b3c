"""The contraindication screen: every rule fires on its answers and stays quiet on a near miss."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from intake.rule_facts import DEFAULT_THRESHOLDS, IntakeFacts
from intake.rule_language import (
    AllOf,
    AnswerIn,
    AnswerIs,
    AnyOf,
    HasMedicationClass,
    ItemAtLeast,
    Not,
    NumberAtLeast,
    Rule,
    RuleClass,
    ScoreAtLeast,
    ScoreAtLeastBySex,
    ScoreHasFlag,
    validate_rules,
)
from intake.rule_table import RULES, RULESET_VERSION
from intake.rules import evaluate, ruleset_snapshot
from kapclinic.instruments import get_instrument

CLEAN_ANSWERS = {
    "about": {"date_of_birth": "1985-06-15", "sex_at_birth": "female", "pronouns": "she/her"},
    "medical": {
        "ketamine_hypersensitivity": False,
        "bp_rise_hazard": False,
        "aneurysm_or_avm": False,
        "brain_haemorrhage_or_raised_icp": False,
        "high_blood_pressure": False,
        "blood_pressure_controlled": None,
        "heart_or_stroke_history": False,
        "heart_or_stroke_recent_6_months": False,
        "glaucoma": False,
        "liver_disease": False,
        "urinary_symptoms": False,
        "overactive_thyroid": False,
        "seizures": False,
        "anaesthesia_or_ketamine_reaction": False,
        "pregnant": False,
        "breastfeeding": False,
        "allergies": "Penicillin",
        "other_conditions": "",
    },
    "psychiatric": {
        "psychosis_history": False,
        "psychosis_family_history": False,
        "bipolar_diagnosis": False,
        "mania_past_year": False,
        "trauma_history": False,
        "hospitalisations": 0,
        "prior_treatments": ["antidepressants", "psychotherapy"],
        "prior_treatment_outcome": "Some help.",
    },
    "medications": {
        "items": [{"name": "Sertraline 100 mg once a day", "dose": "", "frequency": ""}]
    },
    "substance": {
        "drug_use_past_year": False,
        "drug_use_details": "",
        "substance_use_disorder_history": False,
        "substance_use_in_recovery_years": None,
        "prior_ketamine_use": "never",
        "ketamine_use_details": "",
    },
    "goals": {"goals": "Feel less stuck.", "intentions": "", "support": "Partner"},
}

ZEROS = {
    "gad7": {f"q{n}": 0 for n in range(1, 8)},
    "phq9": {f"q{n}": 0 for n in range(1, 10)},
    "auditc": {f"q{n}": 0 for n in range(1, 4)},
}


def intake(answers=None, items=None, thresholds=None):
    """Facts for an unremarkable intake, with some answers and questionnaire items changed."""
    merged = copy.deepcopy(CLEAN_ANSWERS)
    for step, fields in (answers or {}).items():
        merged[step].update(fields)
    item_answers = copy.deepcopy(ZEROS)
    if merged["psychiatric"]["trauma_history"]:
        item_answers["pcl5"] = {f"q{n}": 0 for n in range(1, 21)}
    for code, values in (items or {}).items():
        item_answers.setdefault(code, {}).update(values)
    thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    scores = {
        code: get_instrument(code).score(
            values, context={"sex": merged["about"].get("sex_at_birth")}
        )
        for code, values in item_answers.items()
    }
    return IntakeFacts.build(merged, scores, item_answers, thresholds)


def fired(facts):
    return {hit.rule_id: hit.triggered_by for hit in evaluate(facts)}


def medical(**fields):
    return {"medical": fields}


def psychiatric(**fields):
    return {"psychiatric": fields}


def substance(**fields):
    return {"substance": fields}


def medicines(*names):
    return {"medications": {"items": [{"name": n, "dose": "", "frequency": ""} for n in names]}}


def phq9_total(total):
    return {f"q{n}": min(3, max(0, total - 3 * (n - 1))) for n in range(1, 9)}


def gad7_total(total):
    return {f"q{n}": min(3, max(0, total - 3 * (n - 1))) for n in range(1, 8)}


def pcl5_total(total):
    return {f"q{n}": min(4, max(0, total - 4 * (n - 1))) for n in range(1, 21)}


TRAUMA = psychiatric(trauma_history=True)
CSSRS_HIGH = {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}
CSSRS_LOW = {"q1": 1, "q2": 0, "q6": 0}

# rule id -> (answers, questionnaire items, exactly the answers the hit must report)
FIRES = {
    "CI-ABS-HYPERSENSITIVITY": (
        medical(ketamine_hypersensitivity=True), None,
        {"medical.ketamine_hypersensitivity": True},
    ),
    "CI-ABS-BP-RISE-HAZARD": (medical(bp_rise_hazard=True), None, {"medical.bp_rise_hazard": True}),
    "CI-ABS-ANEURYSM-AVM": (medical(aneurysm_or_avm=True), None, {"medical.aneurysm_or_avm": True}),
    "CI-ABS-BRAIN-HAEMORRHAGE-ICP": (
        medical(brain_haemorrhage_or_raised_icp=True), None,
        {"medical.brain_haemorrhage_or_raised_icp": True},
    ),
    "CI-ABS-CSSRS-HIGH-RISK": (
        None, {"cssrs_screen": CSSRS_HIGH}, {"cssrs_screen.high_risk": True},
    ),
    "CI-REL-UNCONTROLLED-HYPERTENSION": (
        medical(high_blood_pressure=True, blood_pressure_controlled=False), None,
        {"medical.high_blood_pressure": True, "medical.blood_pressure_controlled": False},
    ),
    "CI-REL-HEART-STROKE-RECENT": (
        medical(heart_or_stroke_history=True, heart_or_stroke_recent_6_months=True), None,
        {"medical.heart_or_stroke_history": True, "medical.heart_or_stroke_recent_6_months": True},
    ),
    "CI-REL-PSYCHOSIS": (
        psychiatric(psychosis_history=True), None, {"psychiatric.psychosis_history": True},
    ),
    "CI-REL-BIPOLAR-RECENT-MANIA": (
        psychiatric(bipolar_diagnosis=True, mania_past_year=True), None,
        {"psychiatric.bipolar_diagnosis": True, "psychiatric.mania_past_year": True},
    ),
    "CI-REL-SUBSTANCE-USE-PAST-YEAR": (
        substance(drug_use_past_year=True, drug_use_details="Cannabis weekly"), None,
        {"substance.drug_use_past_year": True},
    ),
    "CI-REL-SUD-NOT-IN-RECOVERY": (
        substance(substance_use_disorder_history=True, substance_use_in_recovery_years=0), None,
        {"substance.substance_use_disorder_history": True,
         "substance.substance_use_in_recovery_years": 0},
    ),
    "CI-REL-AUDITC-POSITIVE": (
        None, {"auditc": {"q1": 1, "q2": 1, "q3": 1}},
        {"auditc.total": 3, "about.sex_at_birth": "female"},
    ),
    "CI-REL-PREGNANCY": (medical(pregnant=True), None, {"medical.pregnant": True}),
    "CI-REL-BREASTFEEDING": (medical(breastfeeding=True), None, {"medical.breastfeeding": True}),
    "CI-REL-GLAUCOMA": (medical(glaucoma=True), None, {"medical.glaucoma": True}),
    "CI-REL-LIVER-DISEASE": (medical(liver_disease=True), None, {"medical.liver_disease": True}),
    "CI-REL-URINARY-SYMPTOMS": (
        medical(urinary_symptoms=True), None, {"medical.urinary_symptoms": True},
    ),
    "CI-REL-RECREATIONAL-KETAMINE": (
        substance(prior_ketamine_use="recreational"), None,
        {"substance.prior_ketamine_use": "recreational"},
    ),
    "CI-CAU-SUICIDE-RISK-PHQ9-ITEM9": (None, {"phq9": {"q9": 1}}, {"phq9.q9": 1}),
    "CI-CAU-HEART-STROKE-HISTORY": (
        medical(heart_or_stroke_history=True, heart_or_stroke_recent_6_months=False), None,
        {"medical.heart_or_stroke_history": True, "medical.heart_or_stroke_recent_6_months": False},
    ),
    "CI-CAU-HYPERTENSION-CONTROLLED": (
        medical(high_blood_pressure=True, blood_pressure_controlled=True), None,
        {"medical.high_blood_pressure": True, "medical.blood_pressure_controlled": True},
    ),
    "CI-CAU-OVERACTIVE-THYROID": (
        medical(overactive_thyroid=True), None, {"medical.overactive_thyroid": True},
    ),
    "CI-CAU-SEIZURES": (medical(seizures=True), None, {"medical.seizures": True}),
    "CI-CAU-ANAESTHESIA-REACTION": (
        medical(anaesthesia_or_ketamine_reaction=True), None,
        {"medical.anaesthesia_or_ketamine_reaction": True},
    ),
    "CI-CAU-PSYCHOSIS-FAMILY-HISTORY": (
        psychiatric(psychosis_family_history=True), None,
        {"psychiatric.psychosis_family_history": True},
    ),
    "CI-CAU-MANIA-WITHOUT-BIPOLAR-DIAGNOSIS": (
        psychiatric(mania_past_year=True), None,
        {"psychiatric.mania_past_year": True, "psychiatric.bipolar_diagnosis": False},
    ),
    "CI-CAU-SUD-IN-RECOVERY": (
        substance(substance_use_disorder_history=True, substance_use_in_recovery_years=1), None,
        {"substance.substance_use_disorder_history": True,
         "substance.substance_use_in_recovery_years": 1},
    ),
    "CI-CAU-MED-BENZODIAZEPINE": (
        medicines("Sertraline 50mg", "Xanax 0.5mg"), None, {"medications.items": ["Xanax 0.5mg"]},
    ),
    "CI-CAU-MED-SEDATIVE": (
        medicines("Zolpidem 10 mg at night"), None,
        {"medications.items": ["Zolpidem 10 mg at night"]},
    ),
    "CI-CAU-MED-OPIOID": (
        medicines("Tramadol 50mg", "co-codamol 30/500"), None,
        {"medications.items": ["Tramadol 50mg", "co-codamol 30/500"]},
    ),
    "CI-CAU-MED-STIMULANT": (
        medicines("Concerta XL 36mg"), None, {"medications.items": ["Concerta XL 36mg"]},
    ),
    "CI-CAU-MED-MAOI": (medicines("Nardil 15mg"), None, {"medications.items": ["Nardil 15mg"]}),
    "CI-CAU-MED-LAMOTRIGINE": (
        medicines("Lamictal 100 mg"), None, {"medications.items": ["Lamictal 100 mg"]},
    ),
    "CI-CAU-PCL5-PROVISIONAL-PTSD": (TRAUMA, {"pcl5": pcl5_total(33)}, {"pcl5.total": 33}),
    "CI-CAU-GAD7-FURTHER-EVALUATION": (None, {"gad7": gad7_total(10)}, {"gad7.total": 10}),
    "CI-CAU-PHQ9-FURTHER-EVALUATION": (None, {"phq9": phq9_total(10)}, {"phq9.total": 10}),
}  # fmt: skip

# rule id -> (answers, questionnaire items) just short of firing
NEAR_MISSES = {
    "CI-ABS-HYPERSENSITIVITY": (medical(anaesthesia_or_ketamine_reaction=True), None),
    "CI-ABS-BP-RISE-HAZARD": (
        medical(high_blood_pressure=True, blood_pressure_controlled=True), None,
    ),
    "CI-ABS-ANEURYSM-AVM": (medical(aneurysm_or_avm=None), None),
    "CI-ABS-BRAIN-HAEMORRHAGE-ICP": (medical(heart_or_stroke_history=True), None),
    "CI-ABS-CSSRS-HIGH-RISK": (None, {"cssrs_screen": CSSRS_LOW}),
    "CI-REL-UNCONTROLLED-HYPERTENSION": (
        medical(high_blood_pressure=True, blood_pressure_controlled=True), None,
    ),
    "CI-REL-HEART-STROKE-RECENT": (
        medical(heart_or_stroke_history=True, heart_or_stroke_recent_6_months=False), None,
    ),
    "CI-REL-PSYCHOSIS": (psychiatric(psychosis_family_history=True), None),
    "CI-REL-BIPOLAR-RECENT-MANIA": (psychiatric(bipolar_diagnosis=True), None),
    "CI-REL-SUBSTANCE-USE-PAST-YEAR": (
        substance(substance_use_disorder_history=True, substance_use_in_recovery_years=3), None,
    ),
    "CI-REL-SUD-NOT-IN-RECOVERY": (
        substance(substance_use_disorder_history=True, substance_use_in_recovery_years=1), None,
    ),
    "CI-REL-AUDITC-POSITIVE": (
        {"about": {"sex_at_birth": "male"}}, {"auditc": {"q1": 1, "q2": 1, "q3": 1}},
    ),
    "CI-REL-PREGNANCY": (medical(breastfeeding=True), None),
    "CI-REL-BREASTFEEDING": (medical(pregnant=True), None),
    "CI-REL-GLAUCOMA": (medical(glaucoma=None), None),
    "CI-REL-LIVER-DISEASE": (medical(other_conditions="Fatty liver?"), None),
    "CI-REL-URINARY-SYMPTOMS": (medical(urinary_symptoms=None), None),
    "CI-REL-RECREATIONAL-KETAMINE": (substance(prior_ketamine_use="medical"), None),
    "CI-CAU-SUICIDE-RISK-PHQ9-ITEM9": (None, {"phq9": {**phq9_total(24), "q9": 0}}),
    "CI-CAU-HEART-STROKE-HISTORY": (
        medical(heart_or_stroke_history=True, heart_or_stroke_recent_6_months=True), None,
    ),
    "CI-CAU-HYPERTENSION-CONTROLLED": (
        medical(high_blood_pressure=True, blood_pressure_controlled=False), None,
    ),
    "CI-CAU-OVERACTIVE-THYROID": (medical(overactive_thyroid=None), None),
    "CI-CAU-SEIZURES": (medical(seizures=None), None),
    "CI-CAU-ANAESTHESIA-REACTION": (medical(ketamine_hypersensitivity=True), None),
    "CI-CAU-PSYCHOSIS-FAMILY-HISTORY": (psychiatric(psychosis_history=True), None),
    "CI-CAU-MANIA-WITHOUT-BIPOLAR-DIAGNOSIS": (
        psychiatric(bipolar_diagnosis=True, mania_past_year=True), None,
    ),
    "CI-CAU-SUD-IN-RECOVERY": (
        substance(substance_use_disorder_history=True, substance_use_in_recovery_years=0), None,
    ),
    "CI-CAU-MED-BENZODIAZEPINE": (medicines("Sertraline 50mg", "Propranolol 10mg"), None),
    "CI-CAU-MED-SEDATIVE": (medicines("Melatonin 2mg"), None),
    "CI-CAU-MED-OPIOID": (medicines("Paracetamol 1g", "Ibuprofen"), None),
    "CI-CAU-MED-STIMULANT": (medicines("Atomoxetine 40mg"), None),
    "CI-CAU-MED-MAOI": (medicines("Fluoxetine 20mg"), None),
    "CI-CAU-MED-LAMOTRIGINE": (medicines("Lithium 400mg"), None),
    "CI-CAU-PCL5-PROVISIONAL-PTSD": (TRAUMA, {"pcl5": pcl5_total(32)}),
    "CI-CAU-GAD7-FURTHER-EVALUATION": (None, {"gad7": gad7_total(9)}),
    "CI-CAU-PHQ9-FURTHER-EVALUATION": (None, {"phq9": phq9_total(9)}),
}  # fmt: skip

RULE_IDS = [rule.id for rule in RULES]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_every_rule_has_a_firing_test_and_a_near_miss(rule):
    assert rule.id in FIRES, f"{rule.id} has no firing case in FIRES"
    assert rule.id in NEAR_MISSES, f"{rule.id} has no near-miss case in NEAR_MISSES"


def test_cases_name_only_existing_rules():
    assert set(FIRES) <= set(RULE_IDS)
    assert set(NEAR_MISSES) <= set(RULE_IDS)


@pytest.mark.parametrize("rule_id", sorted(FIRES))
def test_rule_fires_reporting_exactly_its_triggering_answers(rule_id):
    answers, items, expected = FIRES[rule_id]
    hits = fired(intake(answers, items))
    assert rule_id in hits
    assert hits[rule_id] == expected


@pytest.mark.parametrize("rule_id", sorted(NEAR_MISSES))
def test_rule_does_not_fire_on_a_near_miss(rule_id):
    answers, items = NEAR_MISSES[rule_id]
    assert rule_id not in fired(intake(answers, items))


def test_clean_intake_fires_nothing():
    assert evaluate(intake()) == []


def test_clean_intake_without_medicines_or_optional_answers_fires_nothing():
    facts = intake({"medications": {"items": []}, "about": {"sex_at_birth": "male"}})
    assert evaluate(facts) == []


def test_hit_carries_the_rule_text_for_the_review_page():
    (hit,) = evaluate(intake(medical(glaucoma=True)))
    rule = next(rule for rule in RULES if rule.id == "CI-REL-GLAUCOMA")
    assert (hit.rule_id, hit.version, hit.rule_class, hit.urgent) == (rule.id, 1, "relative", False)
    assert (hit.title, hit.explanation, hit.source) == (rule.title, rule.explanation, rule.source)
    assert str(hit.rule_class) == "relative"


# --- Near misses the brief calls out -------------------------------------------------------


def test_heart_history_older_than_six_months_fires_only_the_caution_rule():
    hits = fired(
        intake(medical(heart_or_stroke_history=True, heart_or_stroke_recent_6_months=False))
    )
    assert list(hits) == ["CI-CAU-HEART-STROKE-HISTORY"]


def test_heart_history_without_its_timing_counts_as_recent():
    hits = fired(
        intake(medical(heart_or_stroke_history=True, heart_or_stroke_recent_6_months=None))
    )
    assert list(hits) == ["CI-REL-HEART-STROKE-RECENT"]


def test_controlled_hypertension_is_a_caution_not_a_contraindication():
    hits = fired(intake(medical(high_blood_pressure=True, blood_pressure_controlled=True)))
    assert list(hits) == ["CI-CAU-HYPERTENSION-CONTROLLED"]


def test_hypertension_with_control_not_answered_counts_as_uncontrolled():
    hits = fired(intake(medical(high_blood_pressure=True, blood_pressure_controlled=None)))
    assert hits == {
        "CI-REL-UNCONTROLLED-HYPERTENSION": {
            "medical.high_blood_pressure": True,
            "medical.blood_pressure_controlled": None,
        }
    }


@pytest.mark.parametrize(
    ("sex", "fires"),
    [
        ("female", True),
        ("male", False),
        ("intersex", True),
        ("prefer_not_to_say", True),
        (None, True),
    ],
)
def test_auditc_total_of_3_fires_for_women_and_unknown_sex_but_not_men(sex, fires):
    facts = intake({"about": {"sex_at_birth": sex}}, {"auditc": {"q1": 1, "q2": 1, "q3": 1}})
    assert ("CI-REL-AUDITC-POSITIVE" in fired(facts)) is fires


def test_auditc_reports_total_without_sex_when_sex_not_answered():
    facts = intake({"about": {"sex_at_birth": None}}, {"auditc": {"q1": 2, "q2": 1, "q3": 0}})
    assert fired(facts)["CI-REL-AUDITC-POSITIVE"] == {"auditc.total": 3}


def test_auditc_for_men_fires_at_the_male_cut_off():
    facts = intake({"about": {"sex_at_birth": "male"}}, {"auditc": {"q1": 2, "q2": 1, "q3": 1}})
    assert fired(facts)["CI-REL-AUDITC-POSITIVE"] == {
        "auditc.total": 4,
        "about.sex_at_birth": "male",
    }


def test_unknown_sex_uses_the_lower_cut_off_whichever_sex_it_belongs_to():
    thresholds = {"auditc_positive_female": 5, "auditc_positive_male": 4}
    items = {"auditc": {"q1": 2, "q2": 1, "q3": 1}}
    unknown = intake({"about": {"sex_at_birth": "prefer_not_to_say"}}, items, thresholds)
    female = intake({"about": {"sex_at_birth": "female"}}, items, thresholds)
    assert "CI-REL-AUDITC-POSITIVE" in fired(unknown)
    assert "CI-REL-AUDITC-POSITIVE" not in fired(female)


def test_recovery_of_a_year_or_more_moves_sud_history_to_a_caution():
    hits = fired(
        intake(substance(substance_use_disorder_history=True, substance_use_in_recovery_years=5))
    )
    assert list(hits) == ["CI-CAU-SUD-IN-RECOVERY"]


def test_sud_history_with_recovery_not_given_counts_as_not_in_recovery():
    facts = intake(
        substance(substance_use_disorder_history=True, substance_use_in_recovery_years=None)
    )
    assert fired(facts) == {
        "CI-REL-SUD-NOT-IN-RECOVERY": {
            "substance.substance_use_disorder_history": True,
            "substance.substance_use_in_recovery_years": None,
        }
    }


def test_phq9_item9_of_zero_does_not_raise_the_urgent_flag_even_with_a_high_total():
    hits = evaluate(intake(None, {"phq9": {**phq9_total(24), "q9": 0}}))
    assert [hit.rule_id for hit in hits] == ["CI-CAU-PHQ9-FURTHER-EVALUATION"]
    assert not any(hit.urgent for hit in hits)


@pytest.mark.parametrize("answer", [1, 2, 3])
def test_any_phq9_item9_answer_above_zero_is_urgent(answer):
    (hit,) = evaluate(intake(None, {"phq9": {"q9": answer}}))
    assert hit.rule_id == "CI-CAU-SUICIDE-RISK-PHQ9-ITEM9"
    assert hit.urgent and hit.rule_class == RuleClass.CAUTION
    assert hit.title == "Suicide-risk screen positive (PHQ-9 item 9)"
    assert "same day" in hit.explanation and "No clearance or dosing" in hit.explanation


def test_several_interacting_medicines_each_raise_their_rule():
    hits = fired(intake(medicines("Xanax 1mg and Adderall 20mg", "Sertraline 50mg")))
    assert hits == {
        "CI-CAU-MED-BENZODIAZEPINE": {"medications.items": ["Xanax 1mg and Adderall 20mg"]},
        "CI-CAU-MED-STIMULANT": {"medications.items": ["Xanax 1mg and Adderall 20mg"]},
    }


def test_medication_rule_reports_the_class_when_facts_carry_no_list():
    facts = IntakeFacts(
        answers={}, scores={}, item_answers={}, medication_classes=frozenset({"opioid"}),
        thresholds=DEFAULT_THRESHOLDS,
    )  # fmt: skip
    assert fired(facts) == {"CI-CAU-MED-OPIOID": {"medications.classes": ["opioid"]}}


def test_build_collects_the_medication_classes():
    facts = intake(medicines("Valium 5mg", "Ritalin", "Sertraline"))
    assert facts.medication_classes == frozenset({"benzodiazepine", "stimulant"})
    assert [med.name for med in facts.medications] == ["Valium 5mg", "Ritalin", "Sertraline"]


# --- Protocol-driven thresholds ------------------------------------------------------------


def test_lower_phq9_threshold_in_the_protocol_fires_on_a_lower_total():
    items = {"phq9": phq9_total(8)}
    assert "CI-CAU-PHQ9-FURTHER-EVALUATION" not in fired(intake(None, items))
    hits = fired(intake(None, items, {"phq9_further_evaluation": 8}))
    assert hits["CI-CAU-PHQ9-FURTHER-EVALUATION"] == {"phq9.total": 8}


def test_higher_gad7_threshold_in_the_protocol_silences_a_total_of_10():
    items = {"gad7": gad7_total(10)}
    assert "CI-CAU-GAD7-FURTHER-EVALUATION" in fired(intake(None, items))
    assert "CI-CAU-GAD7-FURTHER-EVALUATION" not in fired(
        intake(None, items, {"gad7_further_evaluation": 12})
    )


def test_pcl5_cut_off_follows_the_protocol():
    items = {"pcl5": pcl5_total(31)}
    assert "CI-CAU-PCL5-PROVISIONAL-PTSD" not in fired(intake(TRAUMA, items))
    hits = fired(intake(TRAUMA, items, {"pcl5_provisional_cutoff": 31}))
    assert hits["CI-CAU-PCL5-PROVISIONAL-PTSD"] == {"pcl5.total": 31}


def test_male_auditc_cut_off_follows_the_protocol():
    facts = intake(
        {"about": {"sex_at_birth": "male"}},
        {"auditc": {"q1": 1, "q2": 1, "q3": 1}},
        {"auditc_positive_male": 3},
    )
    assert "CI-REL-AUDITC-POSITIVE" in fired(facts)


def test_build_refuses_a_protocol_missing_a_threshold():
    thresholds = {k: v for k, v in DEFAULT_THRESHOLDS.items() if k != "pcl5_provisional_cutoff"}
    with pytest.raises(ValueError, match="pcl5_provisional_cutoff"):
        IntakeFacts.build(CLEAN_ANSWERS, {}, {}, thresholds)


def test_incomplete_questionnaire_never_fires_a_total_rule():
    partial = get_instrument("phq9").score({"q1": 3, "q2": 3, "q3": 3, "q4": 3}, partial=True)
    facts = IntakeFacts.build(CLEAN_ANSWERS, {"phq9": partial}, {}, DEFAULT_THRESHOLDS)
    assert evaluate(facts) == []


# --- Ordering and snapshot -----------------------------------------------------------------


def test_hits_are_ordered_absolute_relative_caution_with_urgent_first():
    facts = intake(
        medical(seizures=True, glaucoma=True, ketamine_hypersensitivity=True),
        {"phq9": {"q9": 2}},
    )
    assert [hit.rule_id for hit in evaluate(facts)] == [
        "CI-ABS-HYPERSENSITIVITY",
        "CI-REL-GLAUCOMA",
        "CI-CAU-SUICIDE-RISK-PHQ9-ITEM9",
        "CI-CAU-SEIZURES",
    ]


def test_urgent_rules_come_first_within_their_class_whatever_the_table_order():
    quiet = Rule(
        id="CI-CAU-A", version=1, rule_class=RuleClass.CAUTION, title="A", explanation="A",
        source="test", when=AnswerIs("medical", "seizures"),
    )  # fmt: skip
    urgent = Rule(
        id="CI-CAU-B", version=1, rule_class=RuleClass.CAUTION, title="B", explanation="B",
        source="test", when=AnswerIs("medical", "seizures"), urgent=True,
    )  # fmt: skip
    hits = evaluate(intake(medical(seizures=True)), rules=(quiet, urgent))
    assert [hit.rule_id for hit in hits] == ["CI-CAU-B", "CI-CAU-A"]


def test_snapshot_is_json_and_names_every_rule_and_the_version():
    snapshot = json.loads(json.dumps(ruleset_snapshot()))
    assert snapshot["version"] == RULESET_VERSION
    assert [rule["id"] for rule in snapshot["rules"]] == RULE_IDS
    hypertension = next(
        r for r in snapshot["rules"] if r["id"] == "CI-REL-UNCONTROLLED-HYPERTENSION"
    )
    assert hypertension["rule_class"] == "relative"
    assert hypertension["when"]["type"] == "AllOf"
    assert hypertension["when"]["conditions"][1] == {
        "type": "Not",
        "condition": {
            "type": "AnswerIs", "step": "medical", "field": "blood_pressure_controlled",
            "value": True,
        },
    }  # fmt: skip


# --- The table itself ----------------------------------------------------------------------


def test_rule_ids_are_unique():
    assert len(RULE_IDS) == len(set(RULE_IDS))


def test_every_rule_cites_its_reference_section():
    for rule in RULES:
        assert "domain reference §" in rule.source, rule.id


def test_rules_the_reference_does_not_verify_say_so():
    sources = {rule.id: rule.source for rule in RULES}
    for rule_id in ("CI-CAU-OVERACTIVE-THYROID", "CI-CAU-SEIZURES", "CI-CAU-MED-LAMOTRIGINE"):
        assert "unverified" in sources[rule_id]


def test_only_suicide_risk_rules_are_urgent():
    assert {rule.id for rule in RULES if rule.urgent} == {
        "CI-ABS-CSSRS-HIGH-RISK",
        "CI-CAU-SUICIDE-RISK-PHQ9-ITEM9",
    }


# --- A typo fails when the table is built, not silently at screening ------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: AnswerIs("medical", "pregnat"),
        lambda: AnswerIs("medicl", "pregnant"),
        lambda: AnswerIs("substance", "prior_ketamine_use", "recreationally"),
        lambda: AnswerIn("about", "sex_at_birth", ("female", "woman")),
        lambda: NumberAtLeast("substance", "recovery_years", 1),
        lambda: ScoreAtLeast("phq9", "phq9_cutoff"),
        lambda: ScoreAtLeast("phq10", "phq9_further_evaluation"),
        lambda: ScoreAtLeastBySex("auditc", "auditc_positive_female", "auditc_male"),
        lambda: ItemAtLeast("phq9", "item9", 1),
        lambda: ScoreHasFlag("cssrs_screen", "very_high"),
        lambda: HasMedicationClass("benzo"),
        lambda: AllOf(AnswerIs("medical", "glaucoma"), Not(AnswerIs("medical", "glaucomaa"))),
    ],
)
def test_conditions_refuse_unknown_names(build):
    with pytest.raises((ValueError, KeyError)):
        build()


def test_rule_refuses_an_id_that_names_another_class():
    with pytest.raises(ValueError, match="CI-REL-"):
        Rule(
            id="CI-ABS-X", version=1, rule_class=RuleClass.RELATIVE, title="X", explanation="X",
            source="test", when=AnswerIs("medical", "glaucoma"),
        )  # fmt: skip


def test_duplicate_rule_ids_are_refused():
    with pytest.raises(ValueError, match="CI-REL-GLAUCOMA"):
        glaucoma = next(rule for rule in RULES if rule.id == "CI-REL-GLAUCOMA")
        validate_rules((*RULES, glaucoma))


def test_answer_is_true_needs_a_real_yes():
    condition = AnswerIs("medical", "glaucoma")
    assert condition.evaluate(intake(medical(glaucoma=1))) is None
    assert condition.evaluate(intake(medical(glaucoma="True"))) is None


def test_any_of_reports_every_part_that_fired():
    condition = AnyOf(AnswerIs("medical", "glaucoma"), AnswerIs("medical", "seizures"))
    assert condition.evaluate(intake(medical(glaucoma=True, seizures=True))) == {
        "medical.glaucoma": True,
        "medical.seizures": True,
    }
    assert condition.evaluate(intake()) is None


@pytest.mark.parametrize("first", ["intake.rules", "intake.rule_table"])
def test_either_module_can_be_imported_first(first):
    code = f"import {first}; import intake.rules as r; print(len(r.RULES))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(RULES)
