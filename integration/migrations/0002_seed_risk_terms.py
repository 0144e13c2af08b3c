"""Give every existing clinic the default risk-wording list; its admin edits it from there."""

from django.db import migrations

# A frozen copy: later edits to the defaults in code must not change what this migration did.
PHRASES = (
    "suicide",
    "suicidal",
    "kill myself",
    "end my life",
    "take my own life",
    "want to die",
    "better off dead",
    "no reason to live",
    "hurt myself",
    "harm myself",
    "self-harm",
    "self harm",
    "cut myself",
    "overdose",
    "can't go on",
)


def seed(apps, schema_editor):
    Clinic = apps.get_model("clinic", "Clinic")
    RiskTerm = apps.get_model("integration", "RiskTerm")
    for clinic_id in Clinic.objects.values_list("pk", flat=True):
        existing = {
            p.lower() for p in RiskTerm.objects.filter(clinic_id=clinic_id).values_list(
                "phrase", flat=True
            )
        }
        RiskTerm.objects.bulk_create(
            RiskTerm(clinic_id=clinic_id, phrase=phrase)
            for phrase in PHRASES
            if phrase not in existing
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_protocol_follow_up"),
        ("integration", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
