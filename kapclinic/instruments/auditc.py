"""AUDIT-C: alcohol-use screen, a relative-contraindication check (domain reference §1.6).

The positive cut-off depends on sex: pass ``context={"sex": "male" | "female"}`` (FHIR
AdministrativeGender codes). When sex is unknown, "other" or not given, the lower cut-off (3)
applies: a false positive only costs a prescriber review (a positive screen raises a
relative-contraindication review, never an exclusion, §1.6), while a missed drinking problem
is carried into ketamine dosing. A protocol can still set ``positive_cutoff`` explicitly.
"""

from .base import AnswerOption, FlagRule, Instrument, Item, Parameter
from .conditions import Param, TotalAtLeast


def _options(*labels: str) -> tuple[AnswerOption, ...]:
    return tuple(AnswerOption(points, label) for points, label in enumerate(labels))


AUDITC = Instrument(
    code="auditc",
    name="Alcohol Use Disorders Identification Test - Consumption",
    short_name="AUDIT-C",
    version="1",
    recall_period="Past year",  # domain reference §1.6: "usual/past year"
    # domain reference §1.6: items and answer labels verbatim, 0-4 points each; the reference
    # gives no LOINC answer codes.
    items=(
        Item(
            key="q1",
            text="How often do you have a drink containing alcohol?",
            loinc="68518-0",
            options=_options(
                "Never",
                "Monthly or less",
                "2-4 times a month",
                "2-3 times a week",
                "4 or more times a week",
            ),
        ),
        Item(
            key="q2",
            text=(
                "How many standard drinks containing alcohol do you have on a typical day "
                "when drinking?"
            ),
            loinc="68519-8",
            options=_options("1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more"),
        ),
        Item(
            key="q3",
            text="How often do you have six or more drinks on one occasion?",
            loinc="68520-6",
            options=_options(
                "Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily"
            ),
        ),
    ),
    # The reference gives sex-specific cut-offs rather than bands, so the result is carried
    # by the flags below.
    bands=(),
    parameters=(
        Parameter(
            key="positive_cutoff",
            label="Positive screen cut-off",
            default=3,  # domain reference §1.6: the women's cut-off, used when sex is unknown
            explanation="4 or more for men, 3 or more for women; 3 when sex is not known.",
            context_key="sex",
            by_context=(("male", 4), ("female", 3)),  # domain reference §1.6
        ),
    ),
    flags=(
        FlagRule(
            key="positive",
            label="AUDIT-C positive: relative-contraindication review",
            urgent=False,
            explanation=(
                "The total reaches the positive cut-off for the patient's sex. The prescriber "
                "reviews alcohol use as a relative contraindication; it does not exclude."
            ),
            when=TotalAtLeast(Param("positive_cutoff")),
        ),
        FlagRule(
            key="high_risk",
            label="AUDIT-C of 8 or more: high-risk drinking",
            urgent=False,
            explanation="A total of 8 or more is often treated as high risk.",
            when=TotalAtLeast(8),  # domain reference §1.6
        ),
    ),
    panel_loinc="72109-2",  # domain reference §1.6
    total_loinc="75626-2",  # domain reference §1.6
    # domain reference §1.6
    licence=(
        "AUDIT © World Health Organization 2001, freely reproducible for non-commercial use. "
        "SAMHSA: AUDIT-C is available for use in the public domain."
    ),
    text_licensed=False,
    max_total=12,
)

__all__ = ("AUDITC",)
