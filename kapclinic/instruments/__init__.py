"""Registry of questionnaire instruments, keyed by the stable code stored with each response.

Codes never change once responses exist; a changed definition bumps `Instrument.version`.
"""

from .auditc import AUDITC
from .base import (
    AnswerOption,
    Band,
    FlagRule,
    IncompleteAnswers,
    Instrument,
    InvalidAnswer,
    InvalidContext,
    Item,
    Score,
    TierRule,
)
from .cadss6 import CADSS6
from .cssrs_screen import CSSRS_SCREEN
from .dast10 import DAST10
from .gad7 import GAD7
from .pcl5 import PCL5
from .phq9 import PHQ9

INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (GAD7, PHQ9, PCL5, AUDITC, CSSRS_SCREEN, DAST10, CADSS6)
}


def get_instrument(code: str) -> Instrument:
    """Look up an instrument by its stored code; unknown codes fail loudly, never silently."""
    try:
        return INSTRUMENTS[code]
    except KeyError:
        known = ", ".join(INSTRUMENTS)
        raise KeyError(f"Unknown instrument code {code!r}; known codes: {known}") from None


def choices() -> list[tuple[str, str]]:
    """(code, short name) pairs for a model field's `choices`."""
    return [(code, instrument.short_name) for code, instrument in INSTRUMENTS.items()]


__all__ = (
    "INSTRUMENTS",
    "AnswerOption",
    "Band",
    "FlagRule",
    "IncompleteAnswers",
    "Instrument",
    "InvalidAnswer",
    "InvalidContext",
    "Item",
    "Score",
    "TierRule",
    "choices",
    "get_instrument",
)
