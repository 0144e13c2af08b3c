"""GAD-7: generalized anxiety screen and severity rating (domain reference §1.2).

Free to reproduce (Pfizer, §1.1), so the item wording is shipped verbatim.
"""

from dataclasses import replace

from .base import Band, FlagRule, Instrument
from .conditions import TotalAtLeast
from .scales import FREQUENCY_OPTIONS, PFIZER_LICENCE, difficulty_item, frequency_item

# domain reference §1.2: NLM codes item 2's value 2 as "More days than not" (LA18938-3); the
# code follows NLM so FHIR exchange matches, the label stays the official one.
ITEM_2_OPTIONS = tuple(
    replace(option, loinc="LA18938-3") if option.value == 2 else option
    for option in FREQUENCY_OPTIONS
)


GAD7 = Instrument(
    code="gad7",
    name="Generalized Anxiety Disorder-7",
    short_name="GAD-7",
    version="1",
    # domain reference §1.2: verbatim stem
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    recall_period="Last 2 weeks",
    items=(
        frequency_item(1, "Feeling nervous, anxious, or on edge", "69725-0"),
        frequency_item(2, "Not being able to stop or control worrying", "68509-9", ITEM_2_OPTIONS),
        frequency_item(3, "Worrying too much about different things", "69733-4"),
        frequency_item(4, "Trouble relaxing", "69734-2"),
        frequency_item(5, "Being so restless that it is hard to sit still", "69735-9"),
        frequency_item(6, "Becoming easily annoyed or irritable", "69689-8"),
        frequency_item(7, "Feeling afraid, as if something awful might happen", "69736-7"),
        # domain reference §1.2: the difficulty item is not in the NLM GAD-7 panel; PHQ's
        # 69722-7 is sometimes reused but unverified, so no code rather than a guessed one.
        difficulty_item(
            "If you checked off any problems, how difficult have these made it for you "
            "to do your work, take care of things at home, or get along with other people?",
            loinc=None,
        ),
    ),
    # domain reference §1.2: severity bands
    bands=(
        Band(0, 4, "Minimal", "Minimal anxiety", "none"),
        Band(5, 9, "Mild", "Mild anxiety", "mild"),
        Band(10, 14, "Moderate", "Moderate anxiety", "moderate"),
        Band(15, 21, "Severe", "Severe anxiety", "severe"),
    ),
    flags=(
        FlagRule(
            key="further_evaluation",
            label="GAD-7 of 10 or more: further evaluation",
            urgent=False,
            explanation=(
                "A total of 10 or more warrants further evaluation for an anxiety disorder "
                "(sensitivity 89%, specificity 82% for GAD)."
            ),
            when=TotalAtLeast(10),  # domain reference §1.2
        ),
    ),
    panel_loinc="69737-5",  # domain reference §1.2 (verified)
    total_loinc="70274-6",  # domain reference §1.2 (verified; unit {score})
    # domain reference §1.1: attribution line shown on the form
    licence=PFIZER_LICENCE,
    text_licensed=False,
    max_total=21,
)

__all__ = ("GAD7",)
