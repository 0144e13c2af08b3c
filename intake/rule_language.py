"""The vocabulary contraindication rules are written in: small declarative conditions and the
`Rule` row itself.

Conditions check their step, field, instrument and threshold names when they are built, so a
typo fails at import instead of silently never firing. The rows are in `rule_table.py`; the
evaluator is `rules.py`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kapclinic.instruments import INSTRUMENTS

from .medications import INTERACTION_NOTES
from .rule_facts import CHOICES, SCHEMA, THRESHOLD_KEYS, IntakeFacts


class RuleClass(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    CAUTION = "caution"


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


def _number_at_least(value: object, minimum: int) -> bool:
    """A whole number (never True or False) at or above the minimum."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


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
        return _number_at_least(self._answer(facts), self.minimum)


@dataclass(frozen=True)
class _TotalAtLeast(_Leaf):
    """A complete questionnaire's total at or above the cut-off `cutoff(facts)` gives."""

    instrument: str

    def __post_init__(self):
        _check_instrument(self.instrument)

    def cutoff(self, facts: IntakeFacts) -> int:
        raise NotImplementedError

    def holds(self, facts):
        total = facts.total(self.instrument)
        return total is not None and total >= self.cutoff(facts)


@dataclass(frozen=True)
class ScoreAtLeast(_TotalAtLeast):
    """A complete questionnaire's total at or above a protocol cut-off."""

    threshold_key: str

    def __post_init__(self):
        super().__post_init__()
        _check_threshold(self.threshold_key)

    def cutoff(self, facts: IntakeFacts) -> int:
        return facts.thresholds[self.threshold_key]

    def observed(self, facts):
        return {f"{self.instrument}.total": facts.total(self.instrument)}


@dataclass(frozen=True)
class ScoreAtLeastBySex(_TotalAtLeast):
    """A total against a sex-specific cut-off (AUDIT-C, domain reference §1.6).

    When sex at birth is intersex, not given or not answered, the LOWER of the two cut-offs
    applies: a false positive only costs a prescriber review, a missed drinking problem is
    carried into dosing.
    """

    female_key: str
    male_key: str

    def __post_init__(self):
        super().__post_init__()
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
        return _number_at_least(self._value(facts), self.minimum)


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
class _Combined:
    """Conditions written side by side: `AllOf(a, b)`, `AnyOf(a, b)`."""

    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition):
        object.__setattr__(self, "conditions", conditions)

    def observed(self, facts):
        return _merge(part.observed(facts) for part in self.conditions)


@dataclass(frozen=True, init=False)
class AllOf(_Combined):
    def evaluate(self, facts):
        found = [part.evaluate(facts) for part in self.conditions]
        return None if any(f is None for f in found) else _merge(found)


@dataclass(frozen=True, init=False)
class AnyOf(_Combined):
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


def validate_rules(rules: Iterable[Rule]) -> None:
    """Refuse a rule table with repeated ids: a stored hit must name exactly one rule."""
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ValueError(f"Rule id {rule.id} is used twice")
        seen.add(rule.id)
