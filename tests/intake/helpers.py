"""Drive the intake through its real pages: every step answered, submitted, cleared."""

from django.urls import reverse

from kapclinic.clinic.models import CourseState
from kapclinic.demo.builder import YES, intake_answers

# The review page's "cleared" decision with a plan, as a prescriber posts it.
CLEAR = {
    "outcome": "cleared",
    "rationale": "No contraindications; goals fit KAP.",
    "route": "sublingual",
    "product": "racemic_ketamine",
    "dose_min_mg": "100",
    "dose_max_mg": "300",
    "planned_dosing_sessions": "6",
    "integration_cadence": "Within 3 days of each dose",
    "plan_goals": "Lift mood",
}


def fill_intake(client, patient, overrides=None, skip=()):
    """Post every applicable step through the real views; returns the last response."""
    data = intake_answers(patient)
    for key, values in (overrides or {}).items():
        data[key] = {**data[key], **values}
    response = None
    for key in (
        "about",
        "medical",
        "psychiatric",
        "medications",
        "substance",
        "auditc",
        "gad7",
        "phq9",
        "pcl5",
        "goals",
        "consent",
    ):
        if key in skip:
            continue
        if key == "pcl5" and data["psychiatric"]["trauma_history"] != YES:
            continue
        response = client.post(reverse("intake:step", args=[key]), data[key])
        assert response.status_code == 302, (key, response.content.decode()[:3000])
        if response["Location"] == reverse("intake:step", args=["support"]):
            # An answer that called for support: the patient reads it and carries on.
            response = client.post(response["Location"], {})
    return response


def submitted_course(world, client, index=0, overrides=None):
    """World.one's patient `index` submits their intake through the real wizard."""
    patient, course = world.one.patients[index], world.one.courses[index]
    course.start_intake(patient.user)
    client.force_login(patient.user)
    fill_intake(client, patient, overrides=overrides)
    client.post(reverse("intake:check"))
    client.logout()
    course.refresh_from_db()
    assert course.state == CourseState.INTAKE_SUBMITTED
    return course
