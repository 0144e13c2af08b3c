"""PostgreSQL refuses any change to what is signed at intake: the prescriber's suitability
decision, the treatment plan agreed with it, and the patient's consent signature."""

from django.db import migrations

from kapclinic.clinic.signed_triggers import refuse_always


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_dose_hundredths"),
    ]

    operations = [
        refuse_always("intake_suitabilitydecision", "suitability decision"),
        refuse_always("intake_treatmentplan", "treatment plan"),
        refuse_always("intake_consentsignature", "consent signature"),
    ]
