"""PHQ-9: depression screen, severity and the item-9 dosing gate (domain reference §1.3).

Free to reproduce (Pfizer, §1.1), so the item wording is shipped verbatim.
"""

from .base import Band, FlagRule, Instrument
from .conditions import ItemAtLeast, TotalAtLeast
from .scales import PFIZER_LICENCE, difficulty_item, frequency_item

PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire-9",
    short_name="PHQ-9",
    version="1",
    # domain reference §1.3: verbatim stem
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    recall_period="Last 2 weeks",
    items=(
        frequency_item(1, "Little interest or pleasure in doing things", "44250-9"),
        frequency_item(2, "Feeling down, depressed, or hopeless", "44255-8"),
        frequency_item(3, "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
        frequency_item(4, "Feeling tired or having little energy", "44254-1"),
        frequency_item(5, "Poor appetite or overeating", "44251-7"),
        frequency_item(
            6,
            "Feeling bad about yourself — or that you are a failure or have let yourself or "
            "your family down",
            "44258-2",
        ),
        frequency_item(
            7,
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "44252-5",
        ),
        frequency_item(
            8,
            "Moving or speaking so slowly that other people could have noticed? Or the "
            "opposite — being so fidgety or restless that you have been moving around a lot "
            "more than usual",
            "44253-3",
        ),
        frequency_item(
            9,
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            "44260-8",
        ),
        difficulty_item(
            "If you checked off any problems, how difficult have these problems made it "
            "for you to do your work, take care of things at home, or get along with "
            "other people?",
            loinc="69722-7",  # domain reference §1.3
        ),
    ),
    # domain reference §1.3: bands. Only four badge colours exist, so "moderately severe"
    # shares the severe colour; its label keeps the distinction.
    bands=(
        Band(0, 4, "Minimal", "Minimal depression", "none"),
        Band(5, 9, "Mild", "Mild depression", "mild"),
        Band(10, 14, "Moderate", "Moderate depression", "moderate"),
        Band(15, 19, "Moderately severe", "Moderately severe depression", "severe"),
        Band(20, 27, "Severe", "Severe depression", "severe"),
    ),
    flags=(
        FlagRule(
            key="suicide_risk",
            label="Suicide-risk workflow: same-day clinician review, no dosing until resolved",
            urgent=True,
            explanation=(
                "Any answer above 0 on item 9 is clinically significant whatever the total: "
                "run the C-SSRS screen, have a clinician review the patient the same day, and "
                "do not dose until a clinician resolves the flag."
            ),
            when=ItemAtLeast("q9", 1),  # domain reference §1.3: item 9 safety flag
            suicide_risk=True,
        ),
        FlagRule(
            key="further_evaluation",
            label="PHQ-9 of 10 or more: further evaluation for major depression",
            urgent=False,
            explanation=(
                "A total of 10 or more detects major depression with sensitivity and "
                "specificity of about 88%."
            ),
            when=TotalAtLeast(10),  # domain reference §1.3
        ),
    ),
    panel_loinc="44249-1",  # domain reference §1.3 (verified)
    total_loinc="44261-6",  # domain reference §1.3 (verified)
    # domain reference §1.1: attribution line shown on the form
    licence=PFIZER_LICENCE,
    text_licensed=False,
    max_total=27,
    # domain reference §1.3: PHQ-2 (items 1-2) has its own total code, 55758-7.
    subscales={"phq2": ("q1", "q2")},
)

__all__ = ("PHQ9",)
