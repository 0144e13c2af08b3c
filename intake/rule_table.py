"""The contraindication rules, one row of the domain reference (§2, with §1 screens) per rule.

Changing a rule's meaning bumps its `version` and `RULESET_VERSION`; ids never change, because
stored hits refer to them. Cut-offs are protocol threshold keys, never numbers, except the
one-year recovery period, which the reference states and the protocol does not yet carry.

A declared data table (one row per rule, nothing else), so it may run past 400 lines. It is
written in the vocabulary of `rule_language.py` and never imports the evaluator (`rules.py`).
"""

from .rule_language import (
    AllOf,
    AnswerIs,
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

RULESET_VERSION = "2026.11-1"

ABSOLUTE, RELATIVE, CAUTION = RuleClass.ABSOLUTE, RuleClass.RELATIVE, RuleClass.CAUTION


def medical(name: str) -> AnswerIs:
    return AnswerIs("medical", name)


def psychiatric(name: str) -> AnswerIs:
    return AnswerIs("psychiatric", name)


def substance(name: str, value: object = True) -> AnswerIs:
    return AnswerIs("substance", name, value)


# Unanswered follow-ups ("controlled?", "in the last 6 months?") count as the riskier answer.
HYPERTENSION_UNCONTROLLED = AllOf(
    medical("high_blood_pressure"), Not(AnswerIs("medical", "blood_pressure_controlled", True))
)
HEART_OR_STROKE_RECENT = AllOf(
    medical("heart_or_stroke_history"),
    Not(AnswerIs("medical", "heart_or_stroke_recent_6_months", False)),
)
# domain reference §2: "some programs: unless abstinent ≥1 yr"
RECOVERY_AT_LEAST_A_YEAR = NumberAtLeast("substance", "substance_use_in_recovery_years", 1)

SEDATION = (
    "may increase sedation with ketamine or esketamine. Flag for the prescriber: review the "
    "dose and timing, and monitor sedation closely after dosing."
)
BLOOD_PRESSURE = (
    "may increase blood pressure with ketamine or esketamine. Flag for the prescriber: take a "
    "baseline BP and monitor BP closely after dosing."
)
INTERACTION_SOURCE = "Spravato §7 — domain reference §2 (interacting drugs)"


def _medication_rule(cls: str, slug: str, title: str, explanation: str) -> Rule:
    return Rule(
        id=f"CI-CAU-MED-{slug}",
        version=1,
        rule_class=CAUTION,
        title=title,
        explanation=explanation,
        source=INTERACTION_SOURCE,
        when=HasMedicationClass(cls),
    )


RULES: tuple[Rule, ...] = (
    # --- Absolute -------------------------------------------------------------------------
    Rule(
        id="CI-ABS-HYPERSENSITIVITY",
        version=1,
        rule_class=ABSOLUTE,
        title="Hypersensitivity to ketamine or esketamine",
        explanation=(
            "The patient reports an allergic or other serious reaction to ketamine or "
            "esketamine. Both labels contraindicate use after hypersensitivity to the drug or "
            "its excipients. Confirm what happened; do not clear for ketamine."
        ),
        source="Ketalar & Spravato labels — domain reference §2",
        when=medical("ketamine_hypersensitivity"),
    ),
    Rule(
        id="CI-ABS-BP-RISE-HAZARD",
        version=1,
        rule_class=ABSOLUTE,
        title="A rise in blood pressure would be a serious hazard",
        explanation=(
            "A doctor has told the patient that a rise in blood pressure would be dangerous. "
            "Ketamine raises blood pressure; the label contraindicates it in this situation."
        ),
        source="Ketalar label — domain reference §2",
        when=medical("bp_rise_hazard"),
    ),
    Rule(
        id="CI-ABS-ANEURYSM-AVM",
        version=1,
        rule_class=ABSOLUTE,
        title="Aneurysm or arteriovenous malformation",
        explanation=(
            "Aneurysmal vascular disease (aorta, brain or peripheral arteries) or an "
            "arteriovenous malformation. Contraindicated for esketamine because of the blood "
            "pressure rise; the clinic applies the same to ketamine."
        ),
        source="Spravato label (applied to ketamine) — domain reference §2",
        when=medical("aneurysm_or_avm"),
    ),
    Rule(
        id="CI-ABS-BRAIN-HAEMORRHAGE-ICP",
        version=1,
        rule_class=ABSOLUTE,
        title="Brain haemorrhage or raised intracranial pressure",
        explanation=(
            "A history of bleeding in the brain, or a condition in which raised pressure in "
            "the skull is dangerous. Contraindicated on the Spravato label."
        ),
        source="Spravato label — domain reference §2",
        when=medical("brain_haemorrhage_or_raised_icp"),
    ),
    Rule(
        id="CI-ABS-CSSRS-HIGH-RISK",
        version=1,
        rule_class=ABSOLUTE,
        urgent=True,
        title="High acute suicide risk (C-SSRS)",
        explanation=(
            "Not an outpatient KAP candidate now: escalate care, with immediate clinician "
            "evaluation and safety precautions; do not dose. Fires only when a C-SSRS screen "
            "is part of the intake."
        ),
        source="Spravato label (not a substitute for hospitalisation) — domain reference §2, §1.5",
        when=ScoreHasFlag("cssrs_screen", "high_risk"),
    ),
    # --- Relative -------------------------------------------------------------------------
    Rule(
        id="CI-REL-UNCONTROLLED-HYPERTENSION",
        version=1,
        rule_class=RELATIVE,
        title="High blood pressure, not controlled",
        explanation=(
            "High blood pressure that is not well controlled, or not known to be. The Spravato "
            "label treats a pre-dose BP above 140/90 as a general guide to consider delaying. "
            "Measure BP before clearance and hold or defer until it is controlled."
        ),
        source="Spravato §5.6 — domain reference §2, §4.1",
        when=HYPERTENSION_UNCONTROLLED,
    ),
    Rule(
        id="CI-REL-HEART-STROKE-RECENT",
        version=1,
        rule_class=RELATIVE,
        title="Heart attack, angina, heart failure or stroke in the last 6 months",
        explanation=(
            "Recent or unstable cardiac or cerebrovascular disease (or its timing not given). "
            "Often excluded in an office setting: carefully weigh benefit against risk and "
            "consider the patient's cardiologist's view."
        ),
        source="Spravato label; clinic practice — domain reference §2",
        when=HEART_OR_STROKE_RECENT,
    ),
    Rule(
        id="CI-REL-PSYCHOSIS",
        version=1,
        rule_class=RELATIVE,
        title="History of psychosis",
        explanation=(
            "Psychosis, schizophrenia or schizoaffective disorder. Usually excluded: ketamine "
            "can worsen psychotic symptoms. Treat only after psychiatric assessment if benefit "
            "clearly outweighs risk."
        ),
        source="Spravato label; Sanacora 2017; exclusion criteria — domain reference §2",
        when=psychiatric("psychosis_history"),
    ),
    Rule(
        id="CI-REL-BIPOLAR-RECENT-MANIA",
        version=1,
        rule_class=RELATIVE,
        title="Bipolar disorder with mania in the past year",
        explanation=(
            "Bipolar disorder with recent mania or hypomania. Relative or excluded in "
            "published criteria (data are limited): assess mood stability and manage the risk "
            "of switching before clearance."
        ),
        source="Exclusion criteria (data limited) — domain reference §2",
        when=AllOf(psychiatric("bipolar_diagnosis"), psychiatric("mania_past_year")),
    ),
    Rule(
        id="CI-REL-SUBSTANCE-USE-PAST-YEAR",
        version=1,
        rule_class=RELATIVE,
        title="Drug use or medicine misuse in the past year",
        explanation=(
            "Use of drugs other than alcohol or tobacco, or of a prescription medicine not as "
            "prescribed, in the past year. Ketamine carries a risk of abuse and misuse: assess "
            "for active substance use disorder before clearance."
        ),
        source="Sanacora 2017; Spravato boxed warning (abuse/misuse) — domain reference §2",
        when=substance("drug_use_past_year"),
    ),
    Rule(
        id="CI-REL-SUD-NOT-IN-RECOVERY",
        version=1,
        rule_class=RELATIVE,
        title="Substance use disorder, less than a year in recovery",
        explanation=(
            "A history of alcohol or drug problems, with less than a full year of recovery (or "
            "none given). Some programmes require a year's abstinence; assess the risk of "
            "abuse and misuse before clearance."
        ),
        source="Sanacora 2017; Spravato boxed warning; exclusion criteria — domain reference §2",
        when=AllOf(substance("substance_use_disorder_history"), Not(RECOVERY_AT_LEAST_A_YEAR)),
    ),
    Rule(
        id="CI-REL-AUDITC-POSITIVE",
        version=1,
        rule_class=RELATIVE,
        title="AUDIT-C positive (alcohol)",
        explanation=(
            "The alcohol screen reaches the protocol's cut-off for the patient's sex (the lower "
            "cut-off when sex is not known). A review for the prescriber, not an exclusion: "
            "alcohol adds to ketamine's sedation and may signal a use disorder."
        ),
        source="AUDIT-C cut-offs §1.6; SUD incl. alcohol, Spravato §7 — domain reference §2",
        when=ScoreAtLeastBySex("auditc", "auditc_positive_female", "auditc_positive_male"),
    ),
    Rule(
        id="CI-REL-PREGNANCY",
        version=1,
        rule_class=RELATIVE,
        title="Pregnant or may be pregnant",
        explanation=(
            "Esketamine may cause fetal harm and is not recommended in pregnancy; ketamine has "
            "neurotoxicity data. Avoid: confirm status and discuss alternatives."
        ),
        source="Spravato label; Ketalar label — domain reference §2",
        when=medical("pregnant"),
    ),
    Rule(
        id="CI-REL-BREASTFEEDING",
        version=1,
        rule_class=RELATIVE,
        title="Breastfeeding",
        explanation=(
            "The Spravato label advises not to breastfeed during treatment. Avoid, or plan "
            "feeding with the patient before clearance."
        ),
        source="Spravato label — domain reference §2",
        when=medical("breastfeeding"),
    ),
    Rule(
        id="CI-REL-GLAUCOMA",
        version=1,
        rule_class=RELATIVE,
        title="Glaucoma or raised eye pressure",
        explanation=(
            "Ketamine raises intraocular pressure. Check the glaucoma is treated and consider "
            "the ophthalmologist's view."
        ),
        source="Ketalar label — domain reference §2",
        when=medical("glaucoma"),
    ),
    Rule(
        id="CI-REL-LIVER-DISEASE",
        version=1,
        rule_class=RELATIVE,
        title="Liver disease",
        explanation=(
            "Recurrent ketamine use can cause drug-induced liver injury and biliary dilatation. "
            "Consider liver function tests before and during a course of repeated dosing."
        ),
        source="Ketalar warnings and precautions — domain reference §2",
        when=medical("liver_disease"),
    ),
    Rule(
        id="CI-REL-URINARY-SYMPTOMS",
        version=1,
        rule_class=RELATIVE,
        title="Bladder or urinary symptoms",
        explanation=(
            "Bladder pain, urinary symptoms or interstitial cystitis. Ketamine causes cystitis "
            "with chronic use: rule out ketamine uropathy and screen urinary symptoms each "
            "course."
        ),
        source="Ketalar label (cystitis); Spravato (bladder problems) — domain reference §2",
        when=medical("urinary_symptoms"),
    ),
    Rule(
        id="CI-REL-RECREATIONAL-KETAMINE",
        version=1,
        rule_class=RELATIVE,
        title="Prior non-medical ketamine use",
        explanation=(
            "The patient has used ketamine other than as a treatment. Assess for abuse or "
            "misuse and for bladder damage from chronic use before clearance."
        ),
        source="Spravato boxed warning (abuse/misuse); Ketalar (cystitis) — domain reference §2",
        when=substance("prior_ketamine_use", "recreational"),
    ),
    # --- Caution --------------------------------------------------------------------------
    Rule(
        id="CI-CAU-SUICIDE-RISK-PHQ9-ITEM9",
        version=1,
        rule_class=CAUTION,
        urgent=True,
        title="Suicide-risk screen positive (PHQ-9 item 9)",
        explanation=(
            "Any answer above 0 on PHQ-9 item 9 is clinically significant whatever the total. "
            "Run the C-SSRS screen and have a clinician review the patient the same day. No "
            "clearance or dosing until a clinician records what was done."
        ),
        source="PHQ-9 item 9 safety flag — domain reference §1.3",
        when=ItemAtLeast("phq9", "q9", 1),
    ),
    Rule(
        id="CI-CAU-HEART-STROKE-HISTORY",
        version=1,
        rule_class=CAUTION,
        title="Heart attack, angina, heart failure or stroke, more than 6 months ago",
        explanation=(
            "Past cardiac or cerebrovascular disease, not in the last 6 months. Confirm it is "
            "stable, take a baseline BP and monitor BP closely after dosing."
        ),
        source="Spravato label; clinic practice — domain reference §2",
        when=AllOf(
            medical("heart_or_stroke_history"),
            AnswerIs("medical", "heart_or_stroke_recent_6_months", False),
        ),
    ),
    Rule(
        id="CI-CAU-HYPERTENSION-CONTROLLED",
        version=1,
        rule_class=CAUTION,
        title="High blood pressure, controlled",
        explanation=(
            "Ketamine raises BP, peaking about 30-40 minutes after the start; severe rises "
            "were more common in patients with hypertension. Take a baseline BP before each "
            "dose and monitor per protocol."
        ),
        source="Emory and Yale infusion series — domain reference §4.2",
        when=AllOf(
            medical("high_blood_pressure"), AnswerIs("medical", "blood_pressure_controlled", True)
        ),
    ),
    Rule(
        id="CI-CAU-OVERACTIVE-THYROID",
        version=1,
        rule_class=CAUTION,
        title="Overactive thyroid, not controlled",
        explanation=(
            "Clinics commonly list uncontrolled hyperthyroidism as a relative contraindication, "
            "because ketamine raises heart rate and BP. The basis is unverified: check thyroid "
            "control and baseline heart rate and BP."
        ),
        source="Commonly listed by clinics — unverified, domain reference §2",
        when=medical("overactive_thyroid"),
    ),
    Rule(
        id="CI-CAU-SEIZURES",
        version=1,
        rule_class=CAUTION,
        title="Seizures or epilepsy",
        explanation=(
            "A history of seizures. Check the condition is controlled and that anticonvulsant "
            "medicines are on the list (lamotrigine may blunt ketamine's effect)."
        ),
        source="Clinic practice — not in domain reference §2 (unverified)",
        when=medical("seizures"),
    ),
    Rule(
        id="CI-CAU-ANAESTHESIA-REACTION",
        version=1,
        rule_class=CAUTION,
        title="Past reaction to anaesthesia or sedation",
        explanation=(
            "Find out which drug and what happened. A reaction to ketamine or esketamine is "
            "hypersensitivity, an absolute contraindication; otherwise plan monitoring."
        ),
        source="Ketalar & Spravato labels (hypersensitivity row) — domain reference §2",
        when=medical("anaesthesia_or_ketamine_reaction"),
    ),
    Rule(
        id="CI-CAU-PSYCHOSIS-FAMILY-HISTORY",
        version=1,
        rule_class=CAUTION,
        title="Psychosis in a parent, sibling or child",
        explanation=(
            "Some programmes exclude patients with a first-degree family history of psychosis. "
            "Consider it in the psychiatric assessment and watch for emergent symptoms."
        ),
        source="Exclusion criteria (some programmes) — domain reference §2 (psychosis row)",
        when=psychiatric("psychosis_family_history"),
    ),
    Rule(
        id="CI-CAU-MANIA-WITHOUT-BIPOLAR-DIAGNOSIS",
        version=1,
        rule_class=CAUTION,
        title="Possible mania or hypomania in the past year, no bipolar diagnosis",
        explanation=(
            "The patient describes a period like mania in the past year without a bipolar "
            "diagnosis. Assess for bipolar disorder, which with recent mania is a relative "
            "contraindication."
        ),
        source="Bipolar row applied to undiagnosed mania; clinic practice — domain reference §2",
        when=AllOf(
            psychiatric("mania_past_year"), Not(AnswerIs("psychiatric", "bipolar_diagnosis"))
        ),
    ),
    Rule(
        id="CI-CAU-SUD-IN-RECOVERY",
        version=1,
        rule_class=CAUTION,
        title="Substance use disorder, a year or more in recovery",
        explanation=(
            "A past alcohol or drug problem with at least a year of recovery. Not a "
            "contraindication, but ketamine carries a risk of abuse and misuse: discuss "
            "relapse risk and watch for misuse during the course."
        ),
        source="Sanacora 2017; Spravato boxed warning — domain reference §2",
        when=AllOf(substance("substance_use_disorder_history"), RECOVERY_AT_LEAST_A_YEAR),
    ),
    _medication_rule(
        "benzodiazepine",
        "BENZODIAZEPINE",
        "Takes a benzodiazepine",
        "Benzodiazepines are CNS depressants and " + SEDATION,
    ),
    _medication_rule(
        "sedative",
        "SEDATIVE",
        "Takes a sleeping tablet (Z-drug)",
        "Z-drug hypnotics are CNS depressants and " + SEDATION,
    ),
    _medication_rule(
        "opioid", "OPIOID", "Takes an opioid", "Opioids are CNS depressants and " + SEDATION
    ),
    _medication_rule(
        "stimulant", "STIMULANT", "Takes a psychostimulant", "Psychostimulants " + BLOOD_PRESSURE
    ),
    _medication_rule("maoi", "MAOI", "Takes an MAOI", "MAOIs " + BLOOD_PRESSURE),
    Rule(
        id="CI-CAU-MED-LAMOTRIGINE",
        version=1,
        rule_class=CAUTION,
        title="Takes lamotrigine",
        explanation=(
            "Lamotrigine is reported to blunt ketamine's effect. Not in the clinic's domain "
            "reference: the prescriber decides whether it matters for this patient."
        ),
        source="Reported; clinic practice — not in domain reference §2 (unverified)",
        when=HasMedicationClass("glutamate-modulator"),
    ),
    Rule(
        id="CI-CAU-PCL5-PROVISIONAL-PTSD",
        version=1,
        rule_class=CAUTION,
        title="PCL-5 at or above the provisional PTSD cut-off",
        explanation=(
            "Probable PTSD. Not a contraindication: it informs the treatment plan, preparation "
            "and integration work."
        ),
        source="PCL-5 provisional cut-off — domain reference §1.4",
        when=ScoreAtLeast("pcl5", "pcl5_provisional_cutoff"),
    ),
    Rule(
        id="CI-CAU-GAD7-FURTHER-EVALUATION",
        version=1,
        rule_class=CAUTION,
        title="GAD-7 at or above the further-evaluation threshold",
        explanation=(
            "Clinically significant anxiety: evaluate further. Informational, not a "
            "contraindication."
        ),
        source="GAD-7 further-evaluation threshold — domain reference §1.2",
        when=ScoreAtLeast("gad7", "gad7_further_evaluation"),
    ),
    Rule(
        id="CI-CAU-PHQ9-FURTHER-EVALUATION",
        version=1,
        rule_class=CAUTION,
        title="PHQ-9 at or above the further-evaluation threshold",
        explanation=(
            "Probable major depression: the baseline severity for measuring response. "
            "Informational, not a contraindication."
        ),
        source="PHQ-9 further-evaluation threshold — domain reference §1.3",
        when=ScoreAtLeast("phq9", "phq9_further_evaluation"),
    ),
)

validate_rules(RULES)


# The urgent rules that are about suicide risk: the flag they raise goes to the risk review.
SUICIDE_RISK_RULES = frozenset({"CI-ABS-CSSRS-HIGH-RISK", "CI-CAU-SUICIDE-RISK-PHQ9-ITEM9"})
