"""Every staff page that shows a patient's record writes an audit row naming that patient.

The pages come from the URL sweep's table, so a new staff page with a record behind it fails
here until it is audited and listed below.
"""

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.plain import subject
from kapclinic.clinic.models import Role
from tests.security.scene import build_scene
from tests.security.test_url_sweep import ACCESS, GET, STAFF

pytestmark = pytest.mark.django_db

# URL name → (whose record, in the scene; what the audit row must say; action).
AUDITED = {
    "clinic:patient-chart": ("patient_a", "patient chart", "view"),
    "clinic:risk-review": ("patient_a", "risk review of safety flag", "view"),
    "clinic:safety-plan": ("patient_a", "safety plan", "view"),
    "clinic:diagnoses": ("patient_a", "diagnoses, course", "view"),
    "billing:patient": ("patient_a", "billing record", "view"),
    "billing:superbill": ("patient_a", "superbill", "export"),
    "intake:review": ("awaiting", "intake review", "view"),
    "intake:plan": ("patient_a", "treatment plan", "view"),
    "reports:assessment": ("patient_a", "suitability assessment report (download)", "export"),
    "reports:session-note": ("patient_a", "dosing session note report (download)", "export"),
    "reports:course-summary": ("patient_a", "course summary report (download)", "export"),
    "reports:fhir-export": ("patient_a", "FHIR record export (download)", "export"),
    "reports:signed-consent": ("patient_a", "signed consent report (download)", "export"),
    "reports:rems-monitoring-form": (
        "patient_a",
        "REMS monitoring form report (download)",
        "export",
    ),
    "rems:enrolment": ("patient_a", "REMS enrolment", "view"),
    "rems:monitoring-form": ("patient_a", "REMS monitoring form", "view"),
    "dosing:book-session": ("patient_a", "booking a dosing session, course", "view"),
    "dosing:appointment": ("patient_a", "appointment", "view"),
    "calendar:move": ("patient_a", "appointment", "view"),
    "dosing:session": ("patient_a", "dosing session screen, appointment", "view"),
    "integration:sessions": ("patient_a", "integration sessions, course", "view"),
    "calendar:book-series": ("patient_a", "booking a series of sessions, course", "view"),
    "calendar:series": ("patient_a", "appointment series", "view"),
    "calendar:cancel-in-series": ("patient_a", "cancelling in appointment series", "view"),
    "integration:book-session": ("patient_a", "booking an integration session", "view"),
    "integration:note": ("patient_a", "integration note, appointment", "view"),
    "integration:outcomes": ("patient_a", "outcomes and shared journal entries", "view"),
    "integration:reevaluation": ("patient_a", "re-evaluation", "view"),
    "integration:begin-integration": ("patient_a", "move to integration", "view"),
    "integration:complete": ("patient_a", "complete the course", "view"),
    "integration:discontinue": ("patient_a", "discontinue the course", "view"),
    "calendar:request": ("patient_a", "appointment request", "view"),
    "clinic:record-request": ("patient_a", "request about the record", "view"),
}


# Staff pages with an id that are not one patient's record: the controlled-substance register
# (a read names each patient it lists: tests/stock/test_register_reads_named.py) and a
# protocol's sign-off page.
NOT_PATIENT_RECORDS = {
    "clinic:sign-protocol",
    "stock:lot",
    "stock:count",
    "stock:resolve",
    "stock:reverse",
    "reports:stock-register",
    "reports:stock-inventory",
}


def patient_of(scene, key):
    value = getattr(scene, key)
    return value if key.startswith("patient") else value.patient


def staff_record_pages():
    return sorted(
        name
        for name, page in ACCESS.items()
        if page.side == STAFF
        and GET in page.methods
        and page.kwargs is not None
        and name not in NOT_PATIENT_RECORDS
    )


def test_every_staff_record_page_in_the_sweep_is_listed_here():
    """Flag, alert and addendum URLs take POST only; their services write the trail."""
    assert staff_record_pages() == sorted(AUDITED)


@pytest.mark.parametrize("name", sorted(AUDITED))
def test_opening_a_patient_record_page_writes_who_which_patient_what_and_where(
    name, world, staff_client
):
    scene = build_scene(world)
    prescriber = world.one.staff[Role.PRESCRIBER]
    client = staff_client(prescriber)
    whose, what, action = AUDITED[name]
    patient = patient_of(scene, whose)
    url = reverse(name, kwargs=ACCESS[name].kwargs(scene))
    before = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = client.get(url, REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Ward PC")

    assert response.status_code == 200
    written = AccessEvent.objects.filter(pk__gt=before, patient=patient, action=action)
    event = written.get()
    assert event.actor == prescriber.user
    assert what in event.what
    assert (event.path, event.ip_address, event.user_agent) == (url, "192.0.2.7", "Ward PC")
    # The patient's "Who viewed my record" has plain words for it, not the fallback.
    assert subject(event.what) != "your record"


def test_a_refused_record_page_is_logged_as_denied_against_the_patient(world, staff_client):
    """Another clinic's prescriber is told the chart is not there, and the attempt is kept."""
    scene = build_scene(world)
    outsider = world.two.staff[Role.PRESCRIBER]
    client = staff_client(outsider)
    for name in ("clinic:patient-chart", "reports:fhir-export"):
        url = reverse(name, kwargs={"pk": scene.patient_a.pk})
        assert client.get(url).status_code == 404
    denied = AccessEvent.objects.filter(action="denied", actor=outsider.user)
    assert {e.patient_id for e in denied} == {scene.patient_a.pk}
    assert denied.count() == 2
