"""PostgreSQL refuses any change to a signed dosing session and every row of its record.

Addenda are the only way to add to a signed session, and are themselves never changed.
"""

from django.db import migrations

from kapclinic.clinic.signed_triggers import (
    refuse_always,
    refuse_in_signed_parent,
    refuse_when_signed,
)

SESSION_ROWS = [
    "dosing_administration",
    "dosing_gateoverride",
    "dosing_vitalsigns",
    "dosing_observation",
    "dosing_sessionalert",
    "dosing_adverseevent",
    "dosing_discharge",
]


class Migration(migrations.Migration):
    dependencies = [
        ("dosing", "0003_entered_in_error_and_content_hash"),
    ]

    operations = [
        refuse_when_signed("dosing_dosingsession", "dosing session"),
        refuse_in_signed_parent(
            SESSION_ROWS, "dosing_refuse_row_of_signed_session", "dosing_dosingsession", "session_id"
        ),
        refuse_in_signed_parent(
            ["dosing_checkin"],
            "dosing_refuse_check_in_of_signed_session",
            "dosing_dosingsession",
            "appointment_id",
            parent_key="appointment_id",
        ),
        refuse_always("dosing_addendum", "dosing session addendum"),
    ]
