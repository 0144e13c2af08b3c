"""People, clinics and the journey's state, shared by every phase."""

from .diagnosis import Diagnosis
from .emergency import EmergencyAccess
from .journey import CourseEvent, CourseState, Indication, JourneyError, TreatmentCourse
from .opening_hours import ClosedDay, OpeningHours, Weekday
from .people import ADULT_AGE, Clinic, Patient, Provider, Role, User, age_on
from .protocol import BoosterLimits, DoseUnit, Product, Protocol, Route
from .record_request import RecordRequest
from .reevaluation import (
    LONG_TERM_SCREEN,
    LiverTests,
    Reevaluation,
    ReevaluationDecision,
)
from .resources import Resource, ResourceKind
from .risk import (
    FollowUpTask,
    PsychiatricReview,
    RiskDecision,
    RiskLevel,
    RiskReview,
    SafetyPlan,
)
from .safety import SafetyFlag
from .scheduling import Appointment
from .series import AppointmentSeries
from .staff_invitation import StaffInvitation
from .submission import FormSubmission

__all__ = [
    "ADULT_AGE",
    "Appointment",
    "AppointmentSeries",
    "Clinic",
    "ClosedDay",
    "CourseEvent",
    "CourseState",
    "Diagnosis",
    "EmergencyAccess",
    "FormSubmission",
    "FollowUpTask",
    "Indication",
    "JourneyError",
    "LONG_TERM_SCREEN",
    "LiverTests",
    "OpeningHours",
    "Patient",
    "BoosterLimits",
    "DoseUnit",
    "Product",
    "Protocol",
    "Provider",
    "PsychiatricReview",
    "RecordRequest",
    "Reevaluation",
    "ReevaluationDecision",
    "Resource",
    "ResourceKind",
    "RiskDecision",
    "RiskLevel",
    "RiskReview",
    "Role",
    "Route",
    "SafetyFlag",
    "SafetyPlan",
    "StaffInvitation",
    "TreatmentCourse",
    "User",
    "Weekday",
    "age_on",
]
