"""Building blocks for questionnaire instruments: plain frozen data plus one generic scorer.

An instrument module only declares data (items, answer options, bands, flag rules, tier
rules); every scoring behaviour, reverse items, branching and sex-specific cut-offs included,
is interpreted here, so no instrument gets its own code path (house style §8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from .conditions import Condition, Facts, references

Severity = Literal["none", "mild", "moderate", "severe"]
SEVERITIES: tuple[Severity, ...] = ("none", "mild", "moderate", "severe")


class InvalidAnswer(ValueError):
    """An answer that cannot belong on the form: unknown item, foreign value, hidden item."""

    def __init__(self, message: str, item: str | None = None):
        super().__init__(message)
        self.item = item


class IncompleteAnswers(ValueError):
    """Required items left blank; scoring them as 0 would under-report symptoms."""

    def __init__(self, message: str, missing: tuple[str, ...]):
        super().__init__(message)
        self.missing = missing


class InvalidContext(ValueError):
    """A caller-supplied cut-off outside the instrument's possible totals."""


# --- Answers and items ------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str
    loinc: str | None = None


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    loinc: str | None
    options: tuple[AnswerOption, ...]
    scored: bool = True
    required: bool = True
    show_if: Condition | None = None
    # Reverse-scored items give the most points to the lowest answer (DAST-10 item 3).
    reverse: bool = False

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    def points(self, value: int) -> int:
        """Points an answer contributes; the answer value itself unless the item is reversed."""
        if self.reverse:
            return max(self.values) + min(self.values) - value
        return value

    def option(self, value: int) -> AnswerOption:
        return next(option for option in self.options if option.value == value)


# --- Interpretation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str
    meaning: str
    severity: Severity

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"Band {self.label!r}: severity must be one of {SEVERITIES}")

    def contains(self, total: int) -> bool:
        return self.low <= total <= self.high


@dataclass(frozen=True)
class FlagRule:
    key: str
    label: str
    urgent: bool
    explanation: str
    when: Condition
    # Feeds the suicide-risk workflow: the flag it raises is closed only by a risk review.
    suicide_risk: bool = False


@dataclass(frozen=True)
class TierRule:
    key: str
    label: str
    meaning: str
    severity: Severity
    when: Condition


@dataclass(frozen=True)
class RiskTiers:
    """For instruments without a total: the first matching rule (highest tier first) wins."""

    rules: tuple[TierRule, ...]
    loinc: str | None = None
    answer_list: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A cut-off the caller may set: an explicit `context[key]` wins, then a lookup of
    `context[context_key]` in `by_context`, then the default."""

    key: str
    label: str
    default: int
    explanation: str
    context_key: str | None = None
    by_context: tuple[tuple[str, int], ...] = ()

    def resolve(self, context: Mapping[str, object]) -> object:
        if context.get(self.key) is not None:
            return context[self.key]
        looked_up = context.get(self.context_key) if self.context_key else None
        if isinstance(looked_up, str):
            return dict(self.by_context).get(looked_up.strip().lower(), self.default)
        return self.default


@dataclass(frozen=True)
class Score:
    total: int | None
    band: Band | None
    flags: tuple[FlagRule, ...]
    subscales: dict[str, int]
    complete: bool
    tier: TierRule | None = None
    # The cut-offs actually applied, so a stored result can say which rule produced it.
    parameters: dict[str, int] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        return any(flag.urgent for flag in self.flags)

    def has_flag(self, key: str) -> bool:
        return any(flag.key == key for flag in self.flags)


# --- The instrument ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Instrument:
    code: str
    name: str
    short_name: str
    version: str
    stem: str = ""  # the question every item completes, where the form has one
    instructions: str = ""
    recall_period: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    flags: tuple[FlagRule, ...]
    panel_loinc: str | None
    total_loinc: str | None
    licence: str
    text_licensed: bool
    max_total: int | None
    subscales: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()
    tiers: RiskTiers | None = None

    def __post_init__(self):
        self._check_references()
        self._check_totals()

    def _check_references(self):
        keys = {item.key for item in self.items}
        if len(keys) != len(self.items):
            raise ValueError(f"{self.code}: duplicate item keys")
        scored = {item.key for item in self.items if item.scored}
        for name, members in self.subscales.items():
            if not set(members) <= scored:
                raise ValueError(f"{self.code}: subscale {name} names an unscored item")
        rules = [*self.flags, *(self.tiers.rules if self.tiers else ())]
        conditions = [(rule.key, rule.when) for rule in rules]
        conditions += [(item.key, item.show_if) for item in self.items if item.show_if]
        for name, condition in conditions:
            known = keys | set(self.subscales) | {p.key for p in self.parameters}
            if not references(condition) <= known:
                raise ValueError(f"{self.code}: {name} refers to an unknown name")

    def _check_totals(self):
        scored = [item for item in self.items if item.scored]
        if self.max_total is None:
            if scored or self.bands:
                raise ValueError(f"{self.code}: scored items or bands need a max_total")
            return
        possible = sum(max(item.points(v) for v in item.values) for item in scored)
        if possible != self.max_total:
            raise ValueError(f"{self.code}: items add up to {possible}, not {self.max_total}")
        # Bands must tile 0..max_total so every total gets exactly one interpretation.
        expected_low = 0
        for band in sorted(self.bands, key=lambda b: b.low):
            if band.low != expected_low or band.high < band.low:
                raise ValueError(f"{self.code}: bands leave a gap or overlap at {band.low}")
            expected_low = band.high + 1
        if self.bands and expected_low != self.max_total + 1:
            raise ValueError(f"{self.code}: bands stop before {self.max_total}")

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(f"{self.short_name} has no item {key!r}")

    def visible_items(self, answers: Mapping[str, int | None]) -> tuple[Item, ...]:
        """Items the form should show given the answers so far (C-SSRS branching)."""
        given = {key: value for key, value in answers.items() if value is not None}
        return tuple(item for item in self.items if self._shown(item, given))

    def _shown(self, item: Item, answers: Mapping[str, int]) -> bool:
        facts = Facts(answers, None, {}, self.subscales)
        return item.show_if is None or item.show_if.holds(facts)

    def band_for(self, total: int) -> Band | None:
        return next((band for band in self.bands if band.contains(total)), None)

    def resolve_parameters(self, context: Mapping[str, object] | None = None) -> dict[str, int]:
        context = context or {}
        resolved = {}
        for parameter in self.parameters:
            value = parameter.resolve(context)
            top = self.max_total or 0
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
                raise InvalidContext(
                    f"{self.short_name}: {parameter.key} must be a whole number from 0 to {top}, "
                    f"got {value!r}"
                )
            resolved[parameter.key] = value
        return resolved

    def score(
        self,
        answers: Mapping[str, int | None],
        *,
        context: Mapping[str, object] | None = None,
        partial: bool = False,
    ) -> Score:
        """Validate and interpret one completed form.

        `context` carries per-patient or per-protocol settings (e.g. ``{"sex": "female"}``,
        ``{"provisional_cutoff": 31}``); keys an instrument does not use are ignored so one
        context can be passed to every instrument. With ``partial=True`` missing answers are
        allowed: total, band and subscales are withheld as unreliable, but flags and tiers
        already met still fire, so an unfinished PHQ-9 with item 9 > 0 still stops dosing.
        """
        parameters = self.resolve_parameters(context)
        given = self._validated(answers)
        missing = [
            item
            for item in self.items
            if item.required and item.key not in given and self._shown(item, given)
        ]
        if missing and not partial:
            names = "; ".join(_describe(item) for item in missing)
            raise IncompleteAnswers(
                f"{self.short_name}: no answer for {names}", tuple(item.key for item in missing)
            )
        complete = not missing
        scored = [item for item in self.items if item.scored and item.key in given]
        points = {item.key: item.points(given[item.key]) for item in scored}
        # While incomplete this is a lower bound: enough for "at least" flags, not for a band.
        total = sum(points.values()) if self.max_total is not None else None
        facts = Facts(given, total, parameters, self.subscales)
        tiers = self.tiers.rules if self.tiers else ()
        subscales = {}
        if complete:
            subscales = {
                name: sum(points[key] for key in keys) for name, keys in self.subscales.items()
            }
        return Score(
            total=total if complete else None,
            band=self.band_for(total) if complete and total is not None else None,
            flags=tuple(rule for rule in self.flags if rule.when.holds(facts)),
            subscales=subscales,
            complete=complete,
            tier=next((rule for rule in tiers if rule.when.holds(facts)), None),
            parameters=parameters,
        )

    def _validated(self, answers: Mapping[str, int | None]) -> dict[str, int]:
        items = {item.key: item for item in self.items}
        given: dict[str, int] = {}
        for key, value in answers.items():
            item = items.get(key)
            if item is None:
                raise InvalidAnswer(f"{self.short_name}: there is no item {key!r}", key)
            if value is None:  # a blank field on the form
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value not in item.values:
                allowed = ", ".join(str(v) for v in item.values)
                raise self._refusal(item, f"{value!r} is not one of the answers {allowed}")
            given[key] = value
        for item in self.items:
            if item.key in given and not self._shown(item, given):
                raise self._refusal(item, "answered, but the earlier answers hide this item")
        return given

    def _refusal(self, item: Item, problem: str) -> InvalidAnswer:
        return InvalidAnswer(f"{self.short_name} {_describe(item)}: {problem}", item.key)

    def with_licensed_text(
        self, item_texts: Mapping[str, str], *, stem: str = "", instructions: str = ""
    ) -> Instrument:
        """A copy carrying wording a clinic has licensed; the shipped definition stays
        structure-only so copyrighted text never enters this repository."""
        if set(item_texts) != {item.key for item in self.items}:
            raise ValueError(f"{self.short_name}: licensed text must cover exactly every item")
        items = tuple(replace(item, text=item_texts[item.key]) for item in self.items)
        return replace(self, items=items, stem=stem, instructions=instructions)


def _describe(item: Item) -> str:
    text = item.text if len(item.text) <= 50 else item.text[:47] + "..."
    return f"item {item.key} ({text})"
