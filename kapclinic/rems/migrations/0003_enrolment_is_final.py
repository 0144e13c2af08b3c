"""A signed REMS enrolment stays as signed: PostgreSQL refuses any change or deletion."""

from django.db import migrations

from kapclinic.clinic.signed_triggers import refuse_always


class Migration(migrations.Migration):
    dependencies = [("rems", "0002_clinic_admin_permissions")]

    operations = [refuse_always("rems_enrolment", "signed REMS enrolment")]
