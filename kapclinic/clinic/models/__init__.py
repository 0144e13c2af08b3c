"""People, clinics and the journey's state, shared by every phase."""

from .journey import CourseEvent, CourseState, Indication, JourneyError, TreatmentCourse
from .people import Clinic, Patient, Provider, Role, User
from .protocol import DoseUnit, Product, Protocol, Route
from .safety import SafetyFlag
from .scheduling import Appointment

__all__ = [
    "Appointment",
    "Clinic",
    "CourseEvent",
    "CourseState",
    "Indication",
    "JourneyError",
    "Patient",
    "DoseUnit",
    "Product",
    "Protocol",
    "Provider",
    "Role",
    "Route",
    "SafetyFlag",
    "TreatmentCourse",
    "User",
]
