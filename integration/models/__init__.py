"""Phase 3 records: integration notes, the patient journal, measure requests, course closure."""

from .closing import CourseClosure, CourseOutcome
from .common import IntegrationError
from .journal import (
    DEFAULT_RISK_PHRASES,
    JournalDraft,
    JournalEntry,
    JournalPrompt,
    RiskTerm,
    find_risk_phrases,
    seed_risk_terms,
)
from .notes import IntegrationNote, NextDosePlan, NoteAddendum, SuicideRiskCheck
from .requests import MeasureRequest

__all__ = [
    "DEFAULT_RISK_PHRASES",
    "CourseClosure",
    "CourseOutcome",
    "IntegrationError",
    "IntegrationNote",
    "JournalDraft",
    "JournalEntry",
    "JournalPrompt",
    "MeasureRequest",
    "NextDosePlan",
    "NoteAddendum",
    "RiskTerm",
    "SuicideRiskCheck",
    "find_risk_phrases",
    "seed_risk_terms",
]
