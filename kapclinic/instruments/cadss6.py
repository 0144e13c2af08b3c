"""CADSS-6: in-session dissociation rating, structure and scoring only (reference §1.7).

The CADSS is copyrighted (J. D. Bremner) with no open licence, so neither item wording nor
answer anchors are shipped; each clinic loads licensed text via
`Instrument.with_licensed_text`. Keys and placeholders keep the full-CADSS numbering
(items 1, 2, 6, 7, 15, 22) so licensed text maps onto them unambiguously.
"""

from .base import AnswerOption, Instrument
from .scales import placeholder_items

# domain reference §1.7: each item 0-4; anchors are part of the licensed text.
OPTIONS = tuple(AnswerOption(points, str(points)) for points in range(5))

# domain reference §1.7: CADSS-6 = CADSS items 1, 2, 6, 7, 15, 22.
CADSS_ITEMS = (1, 2, 6, 7, 15, 22)

CADSS6 = Instrument(
    code="cadss6",
    name="Clinician-Administered Dissociative States Scale, 6-item short form",
    short_name="CADSS-6",
    version="1",
    recall_period="Current state, during the dosing session",  # domain reference §1.7
    items=placeholder_items(CADSS_ITEMS, OPTIONS),
    # domain reference §1.7 gives no severity bands or cut-off (short form not yet validated).
    bands=(),
    flags=(),
    panel_loinc=None,  # no LOINC code in the reference
    total_loinc=None,
    # domain reference §1.7
    licence=(
        "CADSS © J. D. Bremner. No open licence: wording not included; obtain permission and "
        "load the licensed text for your clinic."
    ),
    text_licensed=True,
    max_total=24,
)

__all__ = ("CADSS6",)
