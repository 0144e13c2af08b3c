"""The calendar grid's reads: a range's appointments, the clinic's clinicians, its rooms.

For a member of staff each statement is built once per process (clinic/statements.py,
`compiled`): the week's appointment query alone cost about 1.4 ms of CPU to build and compile
against 0.2 ms to read. Only the SQL is kept, never a row, so a visit booked a moment ago shows
at once. Each read keeps the access scope of `visible_to` (`seen_by_staff_of` the staff
member's own clinic); a superuser's read, and a filtered one, are built the ordinary way.
"""

from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Appointment, Provider, Resource
from kapclinic.clinic.models.people import CLINICIAN_ROLES
from kapclinic.clinic.models.scheduling import LIVE_STATUSES
from kapclinic.clinic.statements import compiled

# Cancelled appointments free their slot: the grid leaves them out (the chart keeps them).
SHOWN_STATUSES = (*LIVE_STATUSES, Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW)
# Without the clinician's or room's names: those come from the clinic's lists the grid reads
# anyway (`with_names`); joining them here cost PostgreSQL more than the rest of the read.
APPOINTMENT_COLUMNS = (
    "pk",
    "kind",
    "status",
    "starts_at",
    "ends_at",
    "resource_id",
    "clinician_id",
    "patient__preferred_name",
    "patient__legal_name",
    "dosing_session__status",
)
NAME_COLUMNS = (
    "resource__name",
    "clinician__user__first_name",
    "clinician__user__last_name",
    "clinician__user__email",
    "clinician__credentials",
)


def staff_clinic_id(user):
    """The clinic whose rows a member of staff sees; None for a superuser (wider, built anew)."""
    provider = provider_for(user)
    return None if provider is None or user.is_superuser else provider.clinic_id


def appointment_rows(clinic, user, start, end, filters):
    """One query: the range's appointments with their patient's and clinician's names, as
    dicts of `APPOINTMENT_COLUMNS`, by start."""
    seen_by = staff_clinic_id(user)
    if seen_by is not None and not filters:
        rows = compiled(
            "calendar: appointments", [seen_by, clinic.pk, start, end], _appointments_of_staff
        )
    else:
        query = _in_range(Appointment.objects.visible_to(user), clinic.pk, start, end)
        if filters.get("clinician"):
            query = query.filter(clinician_id=filters["clinician"])
        if filters.get("room"):
            query = query.filter(resource_id=filters["room"])
        if filters.get("kind"):
            query = query.filter(kind=filters["kind"])
        rows = query.values_list(*APPOINTMENT_COLUMNS)
    return [dict(zip(APPOINTMENT_COLUMNS, row, strict=True)) for row in rows]


def with_names(rows, clinicians, rooms, user):
    """Each row's `NAME_COLUMNS` (empty where it has no clinician or room), from the clinic's
    active clinicians (`clinician_rows`) and rooms in use (`clinic_rooms`); a row naming one
    on neither list (a clinician who left or moved clinic, a room out of use) reads its own
    through the same scope as the appointments, in one more query for all such rows."""
    people = {pk: tuple(names) for pk, *names in clinicians}
    places = dict(rooms)
    nobody = (None, None, None, None)
    unknown = {}
    for row in rows:
        clinician, resource = row["clinician_id"], row["resource_id"]
        person = people.get(clinician) if clinician else nobody
        place = places.get(resource) if resource else None
        if person is None or (resource and place is None):
            unknown[row["pk"]] = row
            continue
        row.update(zip(NAME_COLUMNS, (place, *person), strict=True))
    if unknown:
        named = Appointment.objects.visible_to(user).filter(pk__in=list(unknown))
        for pk, *names in named.values_list("pk", *NAME_COLUMNS):
            unknown[pk].update(zip(NAME_COLUMNS, names, strict=True))
    return rows


def _in_range(appointments, clinic_id, start, end):
    return appointments.filter(
        clinic_id=clinic_id, status__in=SHOWN_STATUSES, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at", "pk")


def _appointments_of_staff(seen_by, clinic_id, start, end):
    appointments = Appointment.objects.seen_by_staff_of(seen_by)
    return _in_range(appointments, clinic_id, start, end).values_list(*APPOINTMENT_COLUMNS)


def clinician_rows(clinic, user):
    """One query: (pk, first name, last name, email, credentials) of the clinic's active
    clinicians, by surname."""
    seen_by = staff_clinic_id(user)
    if seen_by is not None:
        return compiled("calendar: clinicians", [seen_by, clinic.pk], _clinicians_of_staff)
    return list(_clinicians(Provider.objects.visible_to(user), clinic.pk))


def _clinicians(providers, clinic_id):
    return (
        providers.active()
        .filter(clinic_id=clinic_id, role__in=CLINICIAN_ROLES)
        .order_by("user__last_name", "user__first_name", "pk")
        .values_list("pk", "user__first_name", "user__last_name", "user__email", "credentials")
    )


def _clinicians_of_staff(seen_by, clinic_id):
    return _clinicians(Provider.objects.seen_by_staff_of(seen_by), clinic_id)


def clinic_rooms(clinic, user):
    """One query: (pk, name) of the clinic's rooms and chairs in use, for the axis and filter."""
    provider = provider_for(user)
    if not user.is_superuser and (provider is None or provider.clinic_id != clinic.pk):
        return []
    return compiled("calendar: rooms", [clinic.pk], _rooms)


def _rooms(clinic_id):
    rows = Resource.objects.filter(clinic_id=clinic_id).active().order_by("name", "pk")
    return rows.values_list("pk", "name")
