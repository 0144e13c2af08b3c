"""The contraindication screen: versioned rules as data, evaluated against submitted answers.

The rows are in `rule_table.py`, written in the vocabulary of `rule_language.py` over the facts
of `rule_facts.py`; this module evaluates them. Pure Python: no database, so every rule is tested
directly and a stored `ruleset_snapshot()` says exactly what was applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .rule_facts import IntakeFacts
from .rule_language import Rule, RuleClass, condition_data
from .rule_table import RULES, RULESET_VERSION

_CLASS_RANK = {RuleClass.ABSOLUTE: 0, RuleClass.RELATIVE: 1, RuleClass.CAUTION: 2}


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


def evaluate(facts: IntakeFacts, rules: Iterable[Rule] | None = None) -> list[RuleHit]:
    """Every rule that fires (default: RULES), absolute first, urgent first within a class."""
    hits = []
    for rule in RULES if rules is None else rules:
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
        "version": RULESET_VERSION,
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
            for rule in (RULES if rules is None else rules)
        ],
    }
