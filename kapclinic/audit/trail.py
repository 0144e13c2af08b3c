"""The one way a page or a service writes the trail: `audit(by, record, what, action)`.

`record` is whatever the code has in hand (the patient, a course, a dosing session, an admin
object); the row is filed against that record's patient, so "Who viewed my record" and the
clinic's trail find it.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist

from .models import AccessEvent

VIEW = AccessEvent.Action.VIEW
CHANGE = AccessEvent.Action.CHANGE
CREATE = AccessEvent.Action.CREATE
EXPORT = AccessEvent.Action.EXPORT
DENIED = AccessEvent.Action.DENIED

# How to get from a record to its patient, tried in order.
PATIENT_PATHS = (
    ("patient_id",),
    ("course", "patient_id"),
    ("session", "course", "patient_id"),
    ("appointment", "course", "patient_id"),
    ("note", "course", "patient_id"),
)


def patient_id_of(obj):
    """The patient whose record `obj` belongs to, or None (a clinic, a protocol, a staff login).

    The clinic's models are named, not imported: the trail sits below the clinic.
    """
    patient_model = apps.get_model("clinic", "Patient")
    if isinstance(obj, patient_model):
        return obj.pk
    if isinstance(obj, get_user_model()):
        return patient_model.objects.filter(user=obj).values_list("pk", flat=True).first()
    for path in PATIENT_PATHS:
        value = obj
        try:
            for name in path:
                value = getattr(value, name)
        except (AttributeError, ObjectDoesNotExist):
            continue
        if value is not None:
            return value
    return None


def audit(by, record, what, action=CREATE):
    """One row: `by` did `action` (`what`, in words) to the record of `record`'s patient.

    `record` None files a row that concerns no patient (a refused staff page).
    """
    patient_id = None
    if record is not None:
        patient_id = patient_id_of(record)
        if patient_id is None:
            raise ValueError(f"{record!r} belongs to no patient: say whose record it is.")
    AccessEvent.record(actor=by, patient_id=patient_id, action=action, what=what)
