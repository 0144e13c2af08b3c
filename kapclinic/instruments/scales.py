"""Answer scales shared by several instruments, with their LOINC answer codes."""

from .base import AnswerOption

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
