"""A clinic's rooms and chairs, as a small clinic keeps them: two dosing rooms, two
recliners, a therapy room and a telehealth line (the demo, the scale seed and the tests)."""

from kapclinic.clinic.models import Resource, ResourceKind

# (name, kind, what it seats): a dosing room seats the patient and their companion.
ROOMS = (
    ("Dosing room 1", ResourceKind.DOSING_ROOM, 2),
    ("Dosing room 2", ResourceKind.DOSING_ROOM, 2),
    ("Recliner A", ResourceKind.CHAIR, 1),
    ("Recliner B", ResourceKind.CHAIR, 1),
    ("Therapy room", ResourceKind.THERAPY_ROOM, 3),
    ("Telehealth", ResourceKind.TELEHEALTH, 1),
)


def clinic_resources(clinic):
    """The clinic's standard rooms and chairs, by name (created once, then found)."""
    existing = {r.name: r for r in Resource.objects.filter(clinic=clinic)}
    missing = [
        Resource(clinic=clinic, name=name, kind=kind, capacity=capacity)
        for name, kind, capacity in ROOMS
        if name not in existing
    ]
    for resource in Resource.objects.bulk_create(missing):
        existing[resource.name] = resource
    return existing


def room(clinic, name="Dosing room 1"):
    """One of the clinic's standard rooms or chairs (all of them made on first use)."""
    return clinic_resources(clinic)[name]
