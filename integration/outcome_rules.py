"""Outcome of a course per instrument: baseline against latest, judged by the protocol's rules.

Pure functions over plain values, so every rule can be checked against hand-worked examples.
Each judgement carries the rule it applied in words; when it cannot be made it carries the
reason instead and no value, never a division error or a misleading percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from kapclinic.instruments import get_instrument

NOT_APPLICABLE = "Not applicable: baseline below threshold"
INTAKE = "intake"  # QuestionnaireResponse.Purpose.INTAKE, kept import-free for pure use
ONE_PLACE = Decimal("0.1")


# The purposes whose words are not their code capitalised ("in_session": "In session").
PURPOSE_LABELS = {"check_in": "Check-in", "follow_up": "Follow-up"}


@dataclass(frozen=True)
class Measurement:
    """One completed questionnaire's total."""

    at: datetime
    total: int
    purpose: str = ""

    @property
    def purpose_label(self):
        """ "Check-in" rather than the stored code; outcomes stay free of model imports."""
        return PURPOSE_LABELS.get(self.purpose, self.purpose.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Rules:
    """The change rules for one instrument, as a protocol sets them (reference §1.2–§1.4).

    Response is a percentage drop (PHQ-9, GAD-7) or a drop in points (PCL-5, §1.4)."""

    reliable_change: int | None = None
    remission_below: int | None = None
    response_drop_percent: int | None = None
    response_drop_points: int | None = None  # a drop in points instead (the PCL-5's rule)
    # Response and remission need a baseline at or above this (Protocol.clinical_thresholds).
    baseline_at_least: int | None = None
    source: str = ""

    @classmethod
    def from_protocol(cls, protocol, instrument):
        rule = (protocol.outcome_rules or {}).get(instrument) or {}
        return cls(
            reliable_change=rule.get("reliable_change"),
            remission_below=rule.get("remission_below"),
            response_drop_percent=rule.get("response_drop_percent"),
            response_drop_points=rule.get("response_drop_points"),
            baseline_at_least=protocol.clinical_thresholds.get(instrument),
            source=f"protocol “{protocol.name}”",
        )

    def cite(self, text):
        return f"{text} ({self.source})" if self.source else text


@dataclass(frozen=True)
class Judgement:
    """One result: a value with the rule used, or the reason it is not computable."""

    label: str
    rule: str
    value: object = None
    reason: str = ""
    not_applicable: bool = False  # the baseline was below the clinical threshold

    @property
    def computable(self):
        return not self.reason

    def __str__(self):
        if self.not_applicable:
            return f"{self.label}: {NOT_APPLICABLE.lower()} — {self.reason}"
        if not self.computable:
            return f"{self.label}: not computable — {self.reason}"
        value = {True: "yes", False: "no"}.get(self.value, self.value)
        return f"{self.label}: {value} — {self.rule}"


@dataclass(frozen=True)
class Outcome:
    instrument: str
    short_name: str
    count: int
    baseline: Measurement | None
    latest: Measurement | None
    baseline_rule: str
    reason: str
    change: Judgement
    percent_change: Judgement
    response: Judgement
    remission: Judgement
    reliable_improvement: Judgement
    reliable_deterioration: Judgement

    @property
    def computable(self):
        return not self.reason

    @property
    def judgements(self):
        return (
            self.change,
            self.percent_change,
            self.response,
            self.remission,
            self.reliable_improvement,
            self.reliable_deterioration,
        )


def choose_baseline(ordered, name):
    """The intake score if there is one, else the first score: (measurement, rule in words)."""
    intake = next((m for m in ordered if m.purpose == INTAKE), None)
    if intake is not None:
        return intake, f"Baseline: the intake {name}."
    return ordered[0], f"Baseline: the first {name} (there is no intake score)."


def instrument_outcome(instrument, measurements, rules, *, treatment_started_at=None):
    """Judge change for one instrument over one course.

    `measurements` are the completed scores in any order; `treatment_started_at` (the first
    dose) is when a baseline must already exist, so change is not credited to treatment
    when the first score came after it.
    """
    definition = get_instrument(instrument)
    name = definition.short_name
    ordered = sorted(measurements, key=lambda m: m.at)
    baseline = latest = None
    baseline_rule = ""
    if not ordered:
        reason = f"No completed {name} yet."
    else:
        baseline, baseline_rule = choose_baseline(ordered, name)
        later = [m for m in ordered if m is not baseline and m.at >= baseline.at]
        latest = later[-1] if later else None
        if treatment_started_at is not None and baseline.at > treatment_started_at:
            reason = (
                f"No baseline: the first {name} was completed after treatment began, so a "
                "change cannot be measured from before treatment."
            )
        elif latest is None:
            reason = f"Only one {name} so far: a change needs a baseline and a later score."
        else:
            reason = ""
    if reason:
        return _not_computable(
            instrument, name, len(ordered), baseline, latest, baseline_rule, reason
        )
    judge = _Judge(baseline.total, latest.total, rules, name)
    return Outcome(
        instrument=instrument,
        short_name=name,
        count=len(ordered),
        baseline=baseline,
        latest=latest,
        baseline_rule=baseline_rule,
        reason="",
        change=judge.change(),
        percent_change=judge.percent_change(),
        response=judge.response(),
        remission=judge.remission(),
        reliable_improvement=judge.reliable_improvement(),
        reliable_deterioration=judge.reliable_deterioration(),
    )


class _Judge:
    def __init__(self, baseline, latest, rules, name):
        self.baseline, self.latest, self.rules, self.name = baseline, latest, rules, name

    def change(self):
        return Judgement(
            "Change",
            "Latest minus baseline, in points; a negative change is an improvement.",
            self.latest - self.baseline,
        )

    def percent_change(self):
        rule = "Change as a percentage of the baseline score."
        if self.baseline == 0:
            return Judgement(
                "Percent change", rule, reason="The baseline is 0, so a percentage is undefined."
            )
        percent = Decimal((self.latest - self.baseline) * 100) / Decimal(self.baseline)
        return Judgement("Percent change", rule, percent.quantize(ONE_PLACE, ROUND_HALF_UP))

    def response(self):
        drop = self.rules.response_drop_percent
        points = self.rules.response_drop_points
        if points is not None:
            rule = self.rules.cite(f"Response: a drop of {points} points or more from baseline")
            if self._below_threshold():
                return self._not_applicable("Response", rule)
            return Judgement("Response", rule, self.baseline - self.latest >= points)
        if drop is None:
            return Judgement(
                "Response", "", reason=f"The protocol sets no response rule for the {self.name}."
            )
        rule = self.rules.cite(f"Response: a drop of {drop}% or more from baseline")
        if self._below_threshold():
            return self._not_applicable("Response", rule)
        if self.baseline == 0:
            return Judgement(
                "Response", rule, reason="The baseline is 0: there is no drop to measure."
            )
        # Whole numbers only: no rounding can push a 49.9% drop over the line.
        return Judgement(
            "Response", rule, (self.baseline - self.latest) * 100 >= drop * self.baseline
        )

    def remission(self):
        cut_off = self.rules.remission_below
        if cut_off is None:
            return Judgement(
                "Remission", "", reason=f"No remission cut-off is set for the {self.name}."
            )
        rule = self.rules.cite(f"Remission: latest {self.name} below {cut_off}")
        if self._below_threshold():
            return self._not_applicable("Remission", rule)
        if self.baseline < cut_off:
            return Judgement(
                "Remission",
                rule,
                reason=f"The baseline was already below {cut_off}, so remission is not meaningful.",
            )
        return Judgement("Remission", rule, self.latest < cut_off)

    def _below_threshold(self):
        at_least = self.rules.baseline_at_least
        return at_least is not None and self.baseline < at_least

    def _not_applicable(self, label, rule):
        return Judgement(
            label,
            rule,
            reason=f"The baseline {self.name} of {self.baseline} was below "
            f"{self.rules.baseline_at_least}, the clinical threshold: there was no "
            "clinically significant level to respond or remit from.",
            not_applicable=True,
        )

    def _reliable(self, label, direction, difference):
        points = self.rules.reliable_change
        if points is None:
            return Judgement(
                label,
                "",
                reason=f"The protocol sets no reliable-change threshold for the {self.name}.",
            )
        rule = self.rules.cite(f"{label}: a {direction} of {points} points or more from baseline")
        return Judgement(label, rule, difference >= points)

    def reliable_improvement(self):
        return self._reliable("Reliable improvement", "drop", self.baseline - self.latest)

    def reliable_deterioration(self):
        return self._reliable("Reliable deterioration", "rise", self.latest - self.baseline)


def _not_computable(instrument, name, count, baseline, latest, baseline_rule, reason):
    def blank(label):
        return Judgement(label, "", reason=reason)

    return Outcome(
        instrument=instrument,
        short_name=name,
        count=count,
        baseline=baseline,
        latest=latest,
        baseline_rule=baseline_rule,
        reason=reason,
        change=blank("Change"),
        percent_change=blank("Percent change"),
        response=blank("Response"),
        remission=blank("Remission"),
        reliable_improvement=blank("Reliable improvement"),
        reliable_deterioration=blank("Reliable deterioration"),
    )
