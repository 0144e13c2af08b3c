"""Today's free-text rooms become resources: one per clinic and room name (case and spaces
aside), a dosing room when any of its appointments was a dosing session, else a therapy room;
every appointment then points at its room's resource."""

from django.db import migrations
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.db.models.functions import Lower, Trim

LIVE = ("booked", "checked_in")


def rooms_to_resources(apps, schema_editor):
    Appointment = apps.get_model("clinic", "Appointment")
    Resource = apps.get_model("clinic", "Resource")
    keyed = Appointment.objects.annotate(key=Lower(Trim("room")))
    rooms = (
        keyed.exclude(key="")
        .values("clinic_id", "key")
        .annotate(name=Min(Trim("room")), dosing=Count("pk", filter=Q(kind="dosing")))
        .order_by("clinic_id", "key")
    )
    for room in rooms:
        resource = Resource.objects.create(
            clinic_id=room["clinic_id"],
            name=room["name"],
            kind="dosing_room" if room["dosing"] else "therapy_room",
            capacity=1,
            active=True,
        )
        keyed.filter(clinic_id=room["clinic_id"], key=room["key"]).update(resource=resource)
    refuse_existing_clashes(Appointment)


def refuse_existing_clashes(Appointment):
    # "Room 1" and " room 1 " were two rooms to the old constraint and are one resource now:
    # say which appointments clash, rather than fail on the new constraint with no names.
    live = Appointment.objects.filter(status__in=LIVE, resource__isnull=False)
    clashing = live.filter(
        Exists(
            live.filter(
                resource_id=OuterRef("resource_id"),
                pk__gt=OuterRef("pk"),
                starts_at__lt=OuterRef("ends_at"),
                ends_at__gt=OuterRef("starts_at"),
            )
        )
    ).values_list("pk", flat=True)[:20]
    if clashing:
        raise RuntimeError(
            "These live appointments share a room with a later appointment at the same time: "
            f"{', '.join(map(str, clashing))}. Cancel or move one of each pair, then migrate "
            "again."
        )


def resources_to_rooms(apps, schema_editor):
    Appointment = apps.get_model("clinic", "Appointment")
    Resource = apps.get_model("clinic", "Resource")
    Appointment.objects.filter(resource__isnull=False).update(
        room=Subquery(Resource.objects.filter(pk=OuterRef("resource_id")).values("name")[:1]),
        resource=None,
    )
    Resource.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0023_resource"),
    ]

    operations = [migrations.RunPython(rooms_to_resources, resources_to_rooms)]
