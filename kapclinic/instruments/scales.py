"""Answer scales and item shapes shared by several instruments, with their LOINC answer codes."""

from .base import AnswerOption, Item

# domain reference §1.1: PHQ-9 and GAD-7 response scale, LOINC answer list LL358-3.
FREQUENCY_OPTIONS = (
    AnswerOption(0, "Not at all", "LA6568-5"),
    AnswerOption(1, "Several days", "LA6569-3"),
    AnswerOption(2, "More than half the days", "LA6570-1"),
    AnswerOption(3, "Nearly every day", "LA6571-9"),
)

# domain reference §1.1: the last two codes are often swapped elsewhere; this is NLM's mapping.
DIFFICULTY_OPTIONS = (
    AnswerOption(0, "Not difficult at all", "LA6572-7"),
    AnswerOption(1, "Somewhat difficult", "LA6573-5"),
    AnswerOption(2, "Very difficult", "LA6575-0"),
    AnswerOption(3, "Extremely difficult", "LA6574-3"),
)

# Yes/no items (C-SSRS, DAST-10). The reference gives no LOINC answer codes for these.
NO, YES = 0, 1
YES_NO_OPTIONS = (AnswerOption(NO, "No"), AnswerOption(YES, "Yes"))


# domain reference §1.1: the attribution line shown on the PHQ-9 and GAD-7 forms.
PFIZER_LICENCE = (
    "Developed by Drs. Spitzer, Williams, Kroenke and colleagues with an educational grant "
    "from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)


def frequency_item(number: int, text: str, loinc: str, options=FREQUENCY_OPTIONS) -> Item:
    """Item `q<number>` of the PHQ-9 or GAD-7, answered on the shared "how often" scale unless
    the instrument gives an item its own answer codes."""
    return Item(key=f"q{number}", text=text, loinc=loinc, options=options)


def difficulty_item(text: str, loinc: str | None) -> Item:
    """The PHQ-9's and GAD-7's closing question, how hard the problems made life: not scored,
    and optional, since it only applies to someone who checked off a problem."""
    return Item(
        key="difficulty",
        text=text,
        loinc=loinc,
        options=DIFFICULTY_OPTIONS,
        scored=False,
        required=False,
    )


def placeholder_items(numbers, options, *, reverse=()) -> tuple[Item, ...]:
    """Items of an instrument whose wording is licensed, so not shipped: "Item 1"... until the
    clinic loads its licensed text (`Instrument.with_licensed_text`). No LOINC item codes."""
    return tuple(
        Item(
            key=f"q{number}",
            text=f"Item {number}",
            loinc=None,
            options=options,
            reverse=number in reverse,
        )
        for number in numbers
    )
