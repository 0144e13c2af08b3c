"""Who may not download a report: the same three refusals for every report."""

from django.urls import reverse

from kapclinic.audit.models import AccessEvent


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
