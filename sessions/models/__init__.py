"""Phase 2 records: check-in, the dosing session and everything written during it."""

from .check_in import CheckIn, PregnancyStatus
from .closing import (
    ALDRETE_COMPONENTS,
    Addendum,
    AldreteActivity,
    AldreteCirculation,
    AldreteConsciousness,
    AldreteRespiration,
    AldreteSpO2,
    Discharge,
)
from .dose import SPRAVATO_MG_PER_DEVICE, Administration, GateOverride
from .identity import Identifier, IdentityCheck
from .monitoring import (
    AdverseEvent,
    Dissociation,
    Observation,
    Sedation,
    SessionAlert,
    VitalSigns,
)
from .session import DosingError, DosingSession, Thresholds

__all__ = [
    "ALDRETE_COMPONENTS",
    "SPRAVATO_MG_PER_DEVICE",
    "Addendum",
    "Administration",
    "AdverseEvent",
    "AldreteActivity",
    "AldreteCirculation",
    "AldreteConsciousness",
    "AldreteRespiration",
    "AldreteSpO2",
    "CheckIn",
    "Discharge",
    "Dissociation",
    "DosingError",
    "DosingSession",
    "GateOverride",
    "Identifier",
    "IdentityCheck",
    "Observation",
    "PregnancyStatus",
    "Sedation",
    "SessionAlert",
    "Thresholds",
    "VitalSigns",
]
