"""The SQLite demo database migrates and keeps record history just as PostgreSQL does."""

import time

from tests.processes import manage

from .sqlite_demo import sqlite_env

# Runs inside `manage.py shell` on the SQLite database: a clinic admin edits a patient in the
# Django admin, and the history row says who, with the value before and after.
SCRIPT = """
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from kapclinic.clinic.models import Patient, Role
from tests.factories import ClinicFactory, PatientFactory, ProviderFactory

clinic = ClinicFactory(name="Demo clinic")
admin = ProviderFactory(clinic=clinic, role=Role.CLINIC_ADMIN)
patient = PatientFactory(clinic=clinic, phone="+44 20 7946 0000")
data = {k: ("" if v is None else v) for k, v in model_to_dict(patient).items() if k != "id"}
client = Client()
client.force_login(admin.user)
url = reverse("admin:clinic_patient_change", args=[patient.pk])
assert client.post(url, data | {"phone": "+44 20 7946 0999"}).status_code == 302
latest = Patient.history.filter(id=patient.pk).latest()
assert latest.history_user_id == admin.user_id, latest.history_user_id
assert (latest.prev_record.phone, latest.phone) == ("+44 20 7946 0000", "+44 20 7946 0999")
page = client.get(reverse("admin:clinic_patient_history", args=[patient.pk]))
assert page.status_code == 200 and "+44 20 7946 0999" in page.content.decode()
print("history rows:", Patient.history.count())
"""


def test_sqlite_demo_migrates_and_writes_history(migrated_sqlite, fresh_sqlite):
    env = sqlite_env(fresh_sqlite, KAP_REQUIRE_STAFF_MFA="false")
    started = time.monotonic()
    output = manage("shell", "-c", SCRIPT, env=env)
    assert "history rows: 2" in output
    print(
        f"SQLite: migrate {migrated_sqlite.migrate_seconds:.1f} s (once per run), "
        f"script {time.monotonic() - started:.1f} s"
    )
