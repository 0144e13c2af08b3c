"""Conditions: declarative predicates shared by an instrument's show_if, flags and risk tiers.

Item conditions test the answer the person gave, total conditions test points. All are
monotone (more answers can only make them true), so a partial form never raises a flag that a
complete form would clear.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    answers: Mapping[str, int]
    total: int | None
    parameters: Mapping[str, int]
    subscales: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Param:
    """A named cut-off resolved per call (see `Parameter`), e.g. AUDIT-C by sex."""

    key: str


@dataclass(frozen=True)
class ItemAtLeast:
    item: str
    minimum: int

    def holds(self, facts: Facts) -> bool:
        value = facts.answers.get(self.item)
        return value is not None and value >= self.minimum


@dataclass(frozen=True)
class ItemEquals:
    item: str
    value: int

    def holds(self, facts: Facts) -> bool:
        return facts.answers.get(self.item) == self.value


@dataclass(frozen=True)
class TotalAtLeast:
    minimum: int | Param

    def holds(self, facts: Facts) -> bool:
        if facts.total is None:
            return False
        minimum = self.minimum
        if isinstance(minimum, Param):
            minimum = facts.parameters[minimum.key]
        return facts.total >= minimum


@dataclass(frozen=True)
class ClusterCriteria:
    """Each named subscale needs a minimum number of items rated at or above `endorsed_at`."""

    endorsed_at: int
    minimums: tuple[tuple[str, int], ...]

    def holds(self, facts: Facts) -> bool:
        return all(
            sum(facts.answers.get(key, -1) >= self.endorsed_at for key in facts.subscales[name])
            >= needed
            for name, needed in self.minimums
        )


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return any(condition.holds(facts) for condition in self.conditions)


Condition = ItemAtLeast | ItemEquals | TotalAtLeast | ClusterCriteria | AnyOf


def references(condition: Condition) -> set[str]:
    """Item keys, subscale and parameter names a condition reads, checked at definition."""
    if isinstance(condition, TotalAtLeast):
        return {condition.minimum.key} if isinstance(condition.minimum, Param) else set()
    if isinstance(condition, AnyOf):
        return set().union(*(references(part) for part in condition.conditions))
    if isinstance(condition, ClusterCriteria):
        return {name for name, _ in condition.minimums}
    return {condition.item} if isinstance(condition, ItemAtLeast | ItemEquals) else set()
