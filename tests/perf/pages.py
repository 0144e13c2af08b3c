"""The clinician pages the benchmark measures, for a seeded network (kapclinic/demo/scale.py)."""

from django.urls import reverse

from kapclinic.clinic.models import Provider, Role, TreatmentCourse
from sessions.models import DosingSession


def prescriber_of_first_clinic():
    return (
        Provider.objects.filter(role=Role.PRESCRIBER, clinic__name__startswith="Scale network")
        .select_related("user")
        .order_by("clinic_id", "pk")
        .first()
    )


def searched(client, q):
    """A caseload search's URL: POSTed once as the form does, then only a token in the URL."""
    response = client.post(reverse("clinic:caseload"), {"q": q})
    if response.status_code != 303:
        raise AssertionError(f"the caseload search answered {response.status_code}")
    return response["Location"]


def pages(provider, client):
    """Page name → URL, each on a record of the provider's own clinic, for `client`'s session."""
    courses = TreatmentCourse.objects.filter(clinic_id=provider.clinic_id)
    full = courses.filter(state="completed").order_by("pk").first()
    review = courses.filter(state="under_review").order_by("-pk").first()
    sessions = DosingSession.objects.filter(course__clinic_id=provider.clinic_id)
    live = sessions.filter(status="open").first() or sessions.first()
    caseload = reverse("clinic:caseload")
    return {
        "caseload": caseload,
        "caseload search": searched(client, "a"),
        "caseload number search": searched(client, str(full.patient_id)),
        "caseload page 2": caseload + "?closed=1&page=2",
        "chart": reverse("clinic:patient-chart", args=[full.patient_id]),
        "live session": reverse("dosing:session", args=[live.appointment_id]),
        "outcomes": reverse("integration:outcomes", args=[full.pk]),
        "intake review": reverse("intake:review", args=[review.pk]),
        "dashboard": reverse("integration:dashboard"),
        "calendar week": reverse("calendar:week"),
    }
