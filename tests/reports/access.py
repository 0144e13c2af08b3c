"""Downloading a report: what every download answers, the one export row it writes, and the
same three refusals for every report."""

from django.urls import reverse

from kapclinic.audit.models import AccessEvent

from .pdf import pdf_text


def refused_outside_the_care_team(client, sign_in, outsider, patient, url):
    """Another clinic's staff (`outsider`) get 404, logged as denied; the patient 403; anonymous
    the login page; nothing is exported. `sign_in` is the reports' fixture of that name."""
    assert sign_in(outsider).get(url).status_code == 404
    assert AccessEvent.objects.filter(
        actor=outsider.user, action=AccessEvent.Action.DENIED, patient=patient
    ).exists()
    client.logout()
    client.force_login(patient.user)
    assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def downloaded_pdf(response, filename):
    """The response is a PDF attachment named `filename`: its bytes."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    return b"".join(response.streaming_content)


def downloaded_by(sign_in, staff, url, filename):
    """`staff` download the report at `url`: a PDF named `filename` whose pages name them as
    the one who took the copy. Returns the response and the PDF's bytes."""
    response = sign_in(staff).get(url)
    pdf = downloaded_pdf(response, filename)
    assert f"by {staff}" in pdf_text(pdf)
    return response, pdf


def the_export(actor, patient_id, what):
    """The one export row in the trail: who took the copy, whose record, in what words."""
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert (event.actor, event.patient_id, event.what) == (actor, patient_id, what)
    return event
