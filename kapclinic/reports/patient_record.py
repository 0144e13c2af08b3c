"""The patient's own copy of their record, to read (HIPAA's right of access, GDPR article 15).

It is read by the FHIR export's own read (`BundleBuilder.load`), so the PDF a patient reads and
the file they give another health app always hold the same record, in a fixed number of
queries whatever its length. What it leaves out (the clinicians' written notes) it says, with
how to ask for them.
"""

from collections import defaultdict

from kapclinic.clinic.models import Patient
from kapclinic.instruments import INSTRUMENTS

from .fhir.bundle import BundleBuilder
from .render import printed_for

TEMPLATE = "reports/patient_record.html"


def patient_of(patient):
    """The report is of the patient themself (ReportKind.whose)."""
    return patient


def records():
    """Patients with their clinic; scope it with `.visible_to(user)` (a patient sees self)."""
    return Patient.objects.select_related("clinic")


def build_context(patient, *, generated_by, generated_at=None):
    record = BundleBuilder(patient)
    record.load()
    names = {p.pk: str(p) for p in record.providers}
    by_session = defaultdict(lambda: defaultdict(list))
    for kind, rows in (("doses", record.doses), ("vitals", record.vitals)):
        for row in rows:
            by_session[row.session_id][kind].append(row)
    for event in record.events:
        by_session[event.session_id]["events"].append(event)
    diagnoses = defaultdict(list)
    for diagnosis in record.diagnoses:
        diagnoses[diagnosis.course_id].append(diagnosis)
    return {
        **printed_for(patient, generated_by, generated_at),
        "courses": [
            {"course": c, "care_team": list(c.care_team.all()), "diagnoses": diagnoses[c.pk]}
            for c in record.courses
        ],
        "consents": record.consents,
        "appointments": [(a, names.get(a.clinician_id, "")) for a in record.appointments],
        "sessions": [
            {"session": s, **{k: by_session[s.pk][k] for k in ("doses", "vitals", "events")}}
            for s in record.sessions
        ],
        "questionnaires": [
            (response, INSTRUMENTS[response.instrument].short_name)
            for response in record.responses
            if response.is_completed
        ],
    }


def title(patient):
    return "Your health record"


def filename(patient):
    return f"health-record-{patient.pk}.pdf"
