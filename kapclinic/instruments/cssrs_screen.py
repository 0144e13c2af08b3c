"""C-SSRS screener: structure, codes and triage only (domain reference §1.5).

The wording is copyrighted (Research Foundation for Mental Hygiene; electronic use licensed
through Clario) and may not be altered, so no question text is shipped: items carry the
concept names the reference gives. Each clinic loads its licensed wording with
`Instrument.with_licensed_text`. There is no total; the result is a risk tier.
"""

from .base import FlagRule, Instrument, Item, RiskTiers, TierRule
from .conditions import AnyOf, ItemEquals
from .scales import YES, YES_NO_OPTIONS

# domain reference §1.5: Q3-Q5 are asked only after a "yes" to Q2; 6b only after a "yes" to Q6.
AFTER_Q2_YES = ItemEquals("q2", YES)


def _item(key: str, concept: str, loinc: str, show_if=None) -> Item:
    return Item(
        key=key, text=concept, loinc=loinc, options=YES_NO_OPTIONS, scored=False, show_if=show_if
    )


# domain reference §1.5: Q4 or Q5 (past month) or behaviour within 3 months.
HIGH_RISK = AnyOf((ItemEquals("q4", YES), ItemEquals("q5", YES), ItemEquals("q6b", YES)))

CSSRS_SCREEN = Instrument(
    code="cssrs_screen",
    name="Columbia Suicide Severity Rating Scale, screen version",
    short_name="C-SSRS screen",
    version="1",
    recall_period="Ideation: past month; behaviour: lifetime and past 3 months",
    # domain reference §1.5: concepts and LOINC item codes (NLM/LHC-Forms)
    items=(
        _item("q1", "Q1 wish to be dead", "93246-7"),
        _item("q2", "Q2 non-specific active suicidal thoughts", "93247-5"),
        _item("q3", "Q3 thoughts with method (no plan/intent)", "93248-3", AFTER_Q2_YES),
        _item("q4", "Q4 intent without specific plan", "93249-1", AFTER_Q2_YES),
        _item("q5", "Q5 intent with specific plan", "93250-9", AFTER_Q2_YES),
        _item("q6", "Q6 suicidal behaviour (ever)", "93267-3"),
        _item("q6b", "Q6b behaviour within past 3 months", "93269-9", ItemEquals("q6", YES)),
    ),
    bands=(),
    tiers=RiskTiers(
        loinc="93374-7",  # domain reference §1.5: derived "Suicide risk level"
        answer_list="LL465-6",
        # domain reference §1.5: colour-coded triage, highest tier first. With nothing
        # endorsed no rule matches and the tier is None.
        rules=(
            TierRule(
                key="high",
                label="High risk",
                meaning="Immediate clinician evaluation and safety precautions; do not dose.",
                severity="severe",
                when=HIGH_RISK,
            ),
            TierRule(
                key="moderate",
                label="Moderate risk",
                meaning="Thoughts with a method, or suicidal behaviour more than 3 months ago.",
                severity="moderate",
                # Q6 "yes" reaches here only when 6b is not "yes" (lifetime only).
                when=AnyOf((ItemEquals("q3", YES), ItemEquals("q6", YES))),
            ),
            TierRule(
                key="low",
                label="Low risk",
                meaning="Wish to be dead or non-specific suicidal thoughts only.",
                severity="mild",
                when=AnyOf((ItemEquals("q1", YES), ItemEquals("q2", YES))),
            ),
        ),
    ),
    flags=(
        FlagRule(
            key="high_risk",
            label="C-SSRS high risk: immediate clinician evaluation, no dosing",
            urgent=True,
            explanation=(
                "Intent (with or without a plan) in the past month, or suicidal behaviour in "
                "the past 3 months: immediate clinician evaluation and safety precautions; do "
                "not dose."
            ),
            when=HIGH_RISK,  # domain reference §1.5
            suicide_risk=True,
        ),
    ),
    panel_loinc="93373-9",  # domain reference §1.5 (full C-SSRS panel is 93245-9)
    total_loinc=None,  # no total score
    # domain reference §1.5
    licence=(
        "C-SSRS © The Research Foundation for Mental Hygiene. Wording not included: load the "
        "text licensed from the Columbia Lighthouse Project (cssrs.columbia.edu); electronic "
        "implementations are licensed through Clario."
    ),
    text_licensed=True,
    max_total=None,
)

__all__ = ("CSSRS_SCREEN",)
