"""The contraindication screen: versioned rules as data, evaluated against submitted answers.

Rules live in `rule_table.py`; this module holds the vocabulary they are written in (small
declarative conditions), the facts they read and the evaluator. Pure Python: no database, so
every rule is tested directly and a stored `ruleset_snapshot()` says exactly what was applied.
Conditions check their step, field, instrument and threshold names when they are built, so a
typo fails at import instead of silently never firing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kapclinic.measures.instruments import INSTRUMENTS, Score

from .medications import INTERACTION_NOTES, RecognisedMedication, recognise

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


class RuleClass(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    CAUTION = "caution"


_CLASS_RANK = {RuleClass.ABSOLUTE: 0, RuleClass.RELATIVE: 1, RuleClass.CAUTION: 2}


# --- Facts --------------------------------------------------------------------------------


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


# --- Conditions ---------------------------------------------------------------------------
# Each condition reports the answers it read (`observed`) and fires with them (`evaluate`).
# `Not` reports what its inner condition read, so "hypertension not controlled" shows the
# controlled answer (False, or None when left blank) next to the hypertension answer.


def _check_field(step: str, name: str, values: Iterable[object] = ()) -> None:
    if name not in SCHEMA.get(step, ()):
        raise ValueError(f"Rule condition refers to unknown answer {step}.{name}")
    allowed = CHOICES.get((step, name))
    if allowed is not None and not set(values) <= allowed:
        raise ValueError(f"Rule condition expects a value {step}.{name} never takes: {values}")


def _check_instrument(code: str) -> None:
    if code not in INSTRUMENTS:
        raise ValueError(f"Rule condition refers to unknown instrument {code!r}")


def _check_threshold(key: str) -> None:
    if key not in THRESHOLD_KEYS:
        raise ValueError(f"Rule condition refers to unknown threshold {key!r}")


class _Leaf:
    def observed(self, facts: IntakeFacts) -> dict[str, Any]:
        raise NotImplementedError

    def holds(self, facts: IntakeFacts) -> bool:
        raise NotImplementedError

    def evaluate(self, facts: IntakeFacts) -> dict[str, Any] | None:
        return self.observed(facts) if self.holds(facts) else None


@dataclass(frozen=True)
class _AnswerLeaf(_Leaf):
    step: str
    field: str

    def __post_init__(self):
        _check_field(self.step, self.field, self._expected())

    def _expected(self) -> Iterable[object]:
        return ()

    def _answer(self, facts: IntakeFacts) -> Any:
        return facts.answer(self.step, self.field)

    def observed(self, facts):
        return {f"{self.step}.{self.field}": self._answer(facts)}


@dataclass(frozen=True)
class AnswerIs(_AnswerLeaf):
    value: object = True

    def _expected(self):
        return [self.value]

    def holds(self, facts):
        if isinstance(self.value, bool):  # 1 == True, but only a real yes counts
            return self._answer(facts) is self.value
        return self._answer(facts) == self.value


@dataclass(frozen=True)
class AnswerIn(_AnswerLeaf):
    values: tuple[object, ...] = ()

    def _expected(self):
        return self.values

    def holds(self, facts):
        return self._answer(facts) in self.values


@dataclass(frozen=True)
class NumberAtLeast(_AnswerLeaf):
    minimum: int = 0

    def holds(self, facts):
        answer = self._answer(facts)
        return isinstance(answer, int) and not isinstance(answer, bool) and answer >= self.minimum


@dataclass(frozen=True)
class ScoreAtLeast(_Leaf):
    """A complete questionnaire's total at or above a protocol cut-off."""

    instrument: str
    threshold_key: str

    def __post_init__(self):
        _check_instrument(self.instrument)
        _check_threshold(self.threshold_key)

    def observed(self, facts):
        return {f"{self.instrument}.total": facts.total(self.instrument)}

    def holds(self, facts):
        total = facts.total(self.instrument)
        return total is not None and total >= facts.thresholds[self.threshold_key]


@dataclass(frozen=True)
class ScoreAtLeastBySex(_Leaf):
    """A total against a sex-specific cut-off (AUDIT-C, domain reference §1.6).

    When sex at birth is intersex, not given or not answered, the LOWER of the two cut-offs
    applies: a false positive only costs a prescriber review, a missed drinking problem is
    carried into dosing.
    """

    instrument: str
    female_key: str
    male_key: str

    def __post_init__(self):
        _check_instrument(self.instrument)
        _check_threshold(self.female_key)
        _check_threshold(self.male_key)

    def _sex(self, facts):
        return facts.answer("about", "sex_at_birth")

    def cutoff(self, facts: IntakeFacts) -> int:
        female, male = facts.thresholds[self.female_key], facts.thresholds[self.male_key]
        return {"female": female, "male": male}.get(self._sex(facts), min(female, male))

    def observed(self, facts):
        seen = {f"{self.instrument}.total": facts.total(self.instrument)}
        if self._sex(facts) is not None:
            seen["about.sex_at_birth"] = self._sex(facts)
        return seen

    def holds(self, facts):
        total = facts.total(self.instrument)
        return total is not None and total >= self.cutoff(facts)


@dataclass(frozen=True)
class ItemAtLeast(_Leaf):
    """One questionnaire answer, whatever the total (PHQ-9 item 9, domain reference §1.3)."""

    instrument: str
    item_key: str
    minimum: int

    def __post_init__(self):
        _check_instrument(self.instrument)
        INSTRUMENTS[self.instrument].item(self.item_key)  # KeyError for an unknown item

    def _value(self, facts):
        return (facts.item_answers.get(self.instrument) or {}).get(self.item_key)

    def observed(self, facts):
        return {f"{self.instrument}.{self.item_key}": self._value(facts)}

    def holds(self, facts):
        value = self._value(facts)
        return isinstance(value, int) and not isinstance(value, bool) and value >= self.minimum


@dataclass(frozen=True)
class ScoreHasFlag(_Leaf):
    """A flag the instrument itself raised (C-SSRS high risk has no total to compare)."""

    instrument: str
    flag_key: str

    def __post_init__(self):
        _check_instrument(self.instrument)
        if self.flag_key not in {flag.key for flag in INSTRUMENTS[self.instrument].flags}:
            raise ValueError(f"Rule condition refers to unknown flag {self.flag_key!r}")

    def observed(self, facts):
        return {f"{self.instrument}.{self.flag_key}": self.holds(facts)}

    def holds(self, facts):
        score = facts.scores.get(self.instrument)
        return score is not None and score.has_flag(self.flag_key)


@dataclass(frozen=True)
class HasMedicationClass(_Leaf):
    cls: str

    def __post_init__(self):
        if self.cls not in INTERACTION_NOTES:
            raise ValueError(f"Rule condition refers to unknown medication class {self.cls!r}")

    def observed(self, facts):
        names = [med.name for med in facts.medications if self.cls in med.classes]
        if not names and self.cls in facts.medication_classes:
            return {"medications.classes": [self.cls]}  # facts built without the list
        return {"medications.items": names}

    def holds(self, facts):
        return self.cls in facts.medication_classes


@dataclass(frozen=True, init=False)
class AllOf:
    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition):
        object.__setattr__(self, "conditions", conditions)

    def observed(self, facts):
        return _merge(part.observed(facts) for part in self.conditions)

    def evaluate(self, facts):
        found = [part.evaluate(facts) for part in self.conditions]
        return None if any(f is None for f in found) else _merge(found)


@dataclass(frozen=True, init=False)
class AnyOf:
    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition):
        object.__setattr__(self, "conditions", conditions)

    def observed(self, facts):
        return _merge(part.observed(facts) for part in self.conditions)

    def evaluate(self, facts):
        # Every part that fired is reported, not only the first.
        found = [f for f in (part.evaluate(facts) for part in self.conditions) if f is not None]
        return _merge(found) if found else None


@dataclass(frozen=True)
class Not:
    condition: Condition

    def observed(self, facts):
        return self.condition.observed(facts)

    def evaluate(self, facts):
        return self.condition.observed(facts) if self.condition.evaluate(facts) is None else None


Condition = (
    AnswerIs | AnswerIn | NumberAtLeast | ScoreAtLeast | ScoreAtLeastBySex | ItemAtLeast
    | ScoreHasFlag | HasMedicationClass | AllOf | AnyOf | Not
)  # fmt: skip


def _merge(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


def condition_data(condition: Condition) -> dict[str, Any]:
    """A condition as plain JSON data, for the stored ruleset snapshot."""
    data: dict[str, Any] = {"type": type(condition).__name__}
    for f in dataclasses.fields(condition):
        value = getattr(condition, f.name)
        if f.name == "conditions":
            value = [condition_data(part) for part in value]
        elif f.name == "condition":
            value = condition_data(value)
        elif isinstance(value, tuple):
            value = list(value)
        data[f.name] = value
    return data


# --- Rules and results --------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    rule_class: RuleClass
    title: str
    explanation: str
    source: str
    when: Condition
    urgent: bool = False

    def __post_init__(self):
        # The id names the class (CI-ABS-, CI-REL-, CI-CAU-) so a stored hit reads on its own.
        prefix = f"CI-{self.rule_class.upper()[:3]}-"
        if not self.id.startswith(prefix):
            raise ValueError(f"Rule {self.id}: a {self.rule_class} rule id starts with {prefix}")
        if self.version < 1 or not (self.title and self.explanation and self.source):
            raise ValueError(f"Rule {self.id}: needs a version, title, explanation and source")


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    version: int
    rule_class: RuleClass
    title: str
    explanation: str
    source: str
    urgent: bool
    triggered_by: dict[str, Any] = field(default_factory=dict)


def validate_rules(rules: Iterable[Rule]) -> None:
    """Refuse a rule table with repeated ids: a stored hit must name exactly one rule."""
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ValueError(f"Rule id {rule.id} is used twice")
        seen.add(rule.id)


def evaluate(facts: IntakeFacts, rules: Iterable[Rule] | None = None) -> list[RuleHit]:
    """Every rule that fires (default: RULES), absolute first, urgent first within a class."""
    hits = []
    for rule in _table.RULES if rules is None else rules:
        triggered = rule.when.evaluate(facts)
        if triggered is None:
            continue
        hits.append(
            RuleHit(
                rule_id=rule.id,
                version=rule.version,
                rule_class=rule.rule_class,
                title=rule.title,
                explanation=rule.explanation,
                source=rule.source,
                urgent=rule.urgent,
                triggered_by=triggered,
            )
        )
    return sorted(hits, key=lambda hit: (_CLASS_RANK[hit.rule_class], not hit.urgent))


def ruleset_snapshot(rules: Iterable[Rule] | None = None) -> dict[str, Any]:
    """The whole ruleset as JSON data, stored beside a submission to show what was applied."""
    return {
        "version": _table.RULESET_VERSION,
        "rules": [
            {
                "id": rule.id,
                "version": rule.version,
                "rule_class": str(rule.rule_class),
                "title": rule.title,
                "explanation": rule.explanation,
                "source": rule.source,
                "urgent": rule.urgent,
                "when": condition_data(rule.when),
            }
            for rule in (_table.RULES if rules is None else rules)
        ],
    }


# The table imports the vocabulary above, so it is loaded last; importing either module first
# works, and a faulty rule fails as soon as this module is imported.
from . import rule_table as _table  # noqa: E402


def __getattr__(name: str) -> Any:
    if name in ("RULES", "RULESET_VERSION"):
        return getattr(_table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
