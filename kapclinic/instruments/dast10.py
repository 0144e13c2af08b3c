"""DAST-10: drug-use screen, structure and scoring only (domain reference §1.6).

The items are © 1982 Harvey A. Skinner and CAMH; commercial use needs permission, so the
wording is not shipped. Items are placeholders ("Item 1"...) that each clinic replaces with
its licensed text via `Instrument.with_licensed_text`.
"""

from .base import Band, FlagRule, Instrument
from .conditions import TotalAtLeast
from .scales import YES_NO_OPTIONS, placeholder_items

DAST10 = Instrument(
    code="dast10",
    name="Drug Abuse Screening Test-10",
    short_name="DAST-10",
    version="1",
    recall_period="Past 12 months",  # domain reference §1.6
    # domain reference §1.6: 1 point per "yes", except item 3 where "no" scores the point.
    items=placeholder_items(range(1, 11), YES_NO_OPTIONS, reverse=(3,)),
    # domain reference §1.6: bands
    bands=(
        Band(0, 0, "None", "No drug-use problems reported", "none"),
        Band(1, 2, "Low", "Low level: monitor", "mild"),
        Band(3, 5, "Moderate", "Moderate level: further investigation", "moderate"),
        Band(6, 8, "Substantial", "Substantial level", "severe"),
        Band(9, 10, "Severe", "Severe level: intensive assessment", "severe"),
    ),
    flags=(
        FlagRule(
            key="positive",
            label="DAST-10 positive: relative-contraindication review",
            urgent=False,
            explanation=(
                "A total of 3 or more is the common positive cut-off. The prescriber reviews "
                "drug use as a relative contraindication; it does not exclude."
            ),
            when=TotalAtLeast(3),  # domain reference §1.6
        ),
    ),
    panel_loinc=None,  # domain reference §1.6: panel code unverified
    total_loinc="82667-7",  # domain reference §1.6: seen in public FHIR test data
    # domain reference §1.6
    licence=(
        "DAST-10 © 1982 Harvey A. Skinner and the Centre for Addiction and Mental Health. "
        "Wording not included: non-commercial clinical use with credit; commercial use needs "
        "permission. Load the licensed text for your clinic."
    ),
    text_licensed=True,
    max_total=10,
)

__all__ = ("DAST10",)
