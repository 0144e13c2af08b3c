"""PCL-5: PTSD symptom severity and provisional diagnosis (domain reference §1.4).

A US Government work (VA National Center for PTSD), so the item wording is shipped verbatim.
No LOINC panel or total code could be verified (§1.4), so both stay None until someone looks
them up on loinc.org; exports must use a local code system meanwhile.
"""

from .base import AnswerOption, FlagRule, Instrument, Item, Parameter
from .conditions import ClusterCriteria, Param, TotalAtLeast

# domain reference §1.4: response options; no LOINC answer codes given.
OPTIONS = (
    AnswerOption(0, "Not at all"),
    AnswerOption(1, "A little bit"),
    AnswerOption(2, "Moderately"),
    AnswerOption(3, "Quite a bit"),
    AnswerOption(4, "Extremely"),
)

# domain reference §1.4: verbatim items in form order. Item 18 follows the majority of copies
# checked ("jumpy or easily startled"); one copy adds a comma, verify against the VA PDF.
TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again "
    "(as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience "
    "(for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, "
    "conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, "
    "having thoughts such as: I am bad, there is something seriously wrong with me, no one can "
    "be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
    "have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)


def _keys(first: int, last: int) -> tuple[str, ...]:
    return tuple(f"q{number}" for number in range(first, last + 1))


PCL5 = Instrument(
    code="pcl5",
    name="PTSD Checklist for DSM-5",
    short_name="PCL-5",
    version="1",
    stem="In the past month, how much were you bothered by:",  # domain reference §1.4
    instructions=(
        "Below is a list of problems that people sometimes have in response to a very "
        "stressful experience. Please read each problem carefully and then circle one of the "
        "numbers to the right to indicate how much you have been bothered by that problem in "
        "the past month."
    ),
    recall_period="Past month",
    items=tuple(
        Item(key=f"q{number}", text=text, loinc=None, options=OPTIONS)
        for number, text in enumerate(TEXTS, start=1)
    ),
    # domain reference §1.4 gives a cut-off and a diagnostic rule but no severity bands.
    bands=(),
    parameters=(
        Parameter(
            key="provisional_cutoff",
            label="Provisional PTSD cut-off",
            default=33,  # domain reference §1.4: 31-33; the clinic protocol may lower it
            explanation=(
                "Published cut-offs run from 31 to 33: lower to screen more widely, higher to "
                "avoid false positives. Pass context={'provisional_cutoff': n} to override."
            ),
        ),
    ),
    flags=(
        FlagRule(
            key="provisional_ptsd",
            label="PCL-5 at or above the provisional PTSD cut-off",
            urgent=False,
            explanation="The total reaches the clinic's provisional PTSD cut-off.",
            when=TotalAtLeast(Param("provisional_cutoff")),
        ),
        FlagRule(
            key="provisional_dsm5_diagnosis",
            label="PCL-5 meets the provisional DSM-5 PTSD symptom pattern",
            urgent=False,
            explanation=(
                "Counting items rated 2 (Moderately) or higher as endorsed: at least 1 "
                "intrusion item (B), 1 avoidance item (C), 2 cognition/mood items (D) and 2 "
                "arousal items (E)."
            ),
            # domain reference §1.4: provisional DSM-5 diagnosis rule
            when=ClusterCriteria(endorsed_at=2, minimums=(("B", 1), ("C", 1), ("D", 2), ("E", 2))),
        ),
    ),
    panel_loinc=None,  # domain reference §1.4: none verified
    total_loinc=None,  # domain reference §1.4: none verified
    licence=(
        "PCL-5 (Weathers et al., 2013), National Center for PTSD, US Department of Veterans "
        "Affairs. Public domain: a work of the US Government."
    ),
    text_licensed=False,
    max_total=80,
    # domain reference §1.4: DSM-5 symptom clusters
    subscales={"B": _keys(1, 5), "C": _keys(6, 7), "D": _keys(8, 14), "E": _keys(15, 20)},
)

__all__ = ("PCL5",)
