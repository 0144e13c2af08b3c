"""The consent lifecycle: publish in the admin, re-sign from the home page, withdraw."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.consent import WITHDRAWAL_FLAG, consent_status
from intake.models import ConsentDocument, ConsentKind, ConsentSignature, ConsentWithdrawal
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import JourneyError, Role, SafetyFlag
from kapclinic.clinic.records import ImmutableRecordError
from kapclinic.demo.builder import clear_course, sign_consent
from sessions.gate import evaluate_gate, failing
from tests.factories import AppointmentFactory
from tests.sessions.test_check_in_views import late_morning_zone

pytestmark = pytest.mark.django_db


def gate_item(session, key):
    return next(i for i in evaluate_gate(session) if i.key == key)


def publish(clinic, version="2.0", body="New.", **fields):
    """A new consent document of `clinic`, published directly (no admin form)."""
    return ConsentDocument.objects.create(clinic=clinic, version=version, body=body, **fields)


def publish_in_admin(client, clinic, **fields):
    data = {
        "clinic": clinic.pk,
        "kind": ConsentKind.TREATMENT,
        "title": "Consent to ketamine-assisted psychotherapy",
        "version": "2.0",
        "effective_from": timezone.localdate().isoformat(),
        "resign_required": "on",
        "required_before_dosing": "on",
        "summary_of_changes": "We now record sessions' music choices.",
        "body": "Updated consent text.",
        **fields,
    }
    return client.post(reverse("admin:intake_consentdocument_add"), data)


def test_clinic_admin_publishes_a_version_and_the_patient_re_signs_from_home(
    ready, staff_client, client, second_client
):
    """The whole journey: admin publishes v2, the gate names it, the patient signs, it passes."""
    assert not failing(evaluate_gate(ready.session))
    admin = staff_client(ready.world.one.staff[Role.CLINIC_ADMIN])
    response = publish_in_admin(admin, ready.course.clinic)
    assert response.status_code == 302, response.content.decode()[:3000]
    v2 = ConsentDocument.objects.get(clinic=ready.course.clinic, version="2.0")
    assert v2.published_by == ready.admin

    check = gate_item(ready.session, "consent")
    assert not check.passed and not check.overridable
    assert "version 2.0" in check.reason and "signed version 1.0" in check.reason

    second_client.force_login(ready.patient)
    home = second_client.get(reverse("clinic:my-journey"))
    tasks = home.context["journey"]["tasks"]
    assert tasks[0].url == reverse("intake:sign-consent", args=[v2.pk])
    page = second_client.get(tasks[0].url)
    assert "We now record sessions" in page.content.decode()  # what changed since v1.0
    assert "Updated consent text." in page.content.decode()

    wrong = second_client.post(tasks[0].url, {"agreed": "on", "signed_name": "Someone Else"})
    assert wrong.status_code == 200 and "exactly as the clinic has it" in wrong.content.decode()
    signed = second_client.post(
        tasks[0].url, {"agreed": "on", "signed_name": ready.course.patient.legal_name}
    )
    assert signed.status_code == 302
    signature = ConsentSignature.objects.get(course=ready.course, document=v2)
    assert signature.ip_address == "127.0.0.1"
    assert AccessEvent.objects.filter(
        patient_id=ready.course.patient_id, what__startswith="consent signed"
    ).exists()
    assert not failing(evaluate_gate(ready.session))
    assert "v2.0" in gate_item(ready.session, "consent").reason
    home = second_client.get(reverse("clinic:my-journey"))
    assert not any(t.url.endswith("/sign/") for t in home.context["journey"]["tasks"])


def test_clinic_admin_publishes_and_reads_but_cannot_edit_or_delete_a_version(world, staff_client):
    admin = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    assert admin.get(reverse("admin:intake_consentdocument_add")).status_code == 200
    assert publish_in_admin(admin, world.one.clinic, version="1.0").status_code == 302
    document = ConsentDocument.objects.get(clinic=world.one.clinic)
    change = reverse("admin:intake_consentdocument_change", args=[document.pk])
    shown = admin.get(change)
    assert shown.status_code == 200 and "Updated consent text." in shown.content.decode()
    assert admin.post(change, {"body": "Edited."}).status_code == 403
    delete = reverse("admin:intake_consentdocument_delete", args=[document.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    document.body = "Edited in the shell."
    with pytest.raises(ImmutableRecordError):
        document.save()


def test_clinic_admin_cannot_publish_for_another_clinic(world, staff_client):
    admin = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = publish_in_admin(admin, world.two.clinic, version="9.0")
    assert response.status_code == 200 and "clinic" in response.context["adminform"].form.errors
    assert not ConsentDocument.objects.filter(clinic=world.two.clinic).exists()


def test_a_version_without_re_signing_keeps_earlier_signatures_valid(ready):
    publish(ready.course.clinic, "1.1", "Typo fixed.", resign_required=False)
    assert gate_item(ready.session, "consent").passed
    (row,) = consent_status(ready.course)
    assert row.document.version == "1.1" and not row.due


def test_a_future_version_is_not_due_until_its_effective_date(ready):
    next_month = timezone.localdate() + timedelta(days=30)
    publish(ready.course.clinic, body="Next month's text.", effective_from=next_month)
    assert gate_item(ready.session, "consent").passed


def test_an_unsigned_second_kind_blocks_dosing_and_an_optional_one_does_not(ready):
    research = {"kind": ConsentKind.RESEARCH, "title": "Research use"}
    publish(ready.course.clinic, "1.0", "Optional.", **research, required_before_dosing=False)
    assert gate_item(ready.session, "consent").passed
    telehealth = {"kind": ConsentKind.TELEHEALTH, "title": "Telehealth sessions"}
    publish(ready.course.clinic, "1.0", "Video sessions.", **telehealth)
    check = gate_item(ready.session, "consent")
    assert not check.passed and "Telehealth sessions" in check.reason


def test_withdrawal_blocks_dosing_and_tells_the_care_team(ready, second_client):
    signature = ConsentSignature.objects.get(course=ready.course)
    second_client.force_login(ready.patient)
    url = reverse("intake:withdraw-consent", args=[signature.pk])
    assert second_client.get(url).status_code == 200
    response = second_client.post(url, {"reason": "I need a break."})
    assert response.status_code == 302

    check = gate_item(ready.session, "consent")
    assert not check.passed and "withdrew consent" in check.reason
    flag = SafetyFlag.objects.get(course=ready.course, source=WITHDRAWAL_FLAG)
    assert "I need a break." in flag.reason and flag.is_open
    assert not gate_item(ready.session, "safety_flags").passed
    # Sent again (a double tap, "back" and send): the withdrawal on file is the answer, so
    # the patient lands where the first one took them, not on an error.
    again = second_client.post(url, {"reason": ""})
    assert again.status_code == 302 and again["Location"] == reverse("intake:consents")
    assert ConsentWithdrawal.objects.filter(signature=signature).count() == 1
    # The home page offers the signature again, first.
    tasks = second_client.get(reverse("clinic:my-journey")).context["journey"]["tasks"]
    assert tasks[0].badge == "Withdrawn"


def test_only_the_patient_signs_or_withdraws(ready):
    from intake.consent import sign_consent, withdraw_consent

    document = ConsentDocument.objects.get(clinic=ready.course.clinic)
    with pytest.raises(JourneyError):
        sign_consent(ready.course, document, by=ready.nurse, signed_name="Nurse")
    with pytest.raises(JourneyError):
        withdraw_consent(ConsentSignature.objects.get(course=ready.course), by=ready.prescriber)


def test_another_patient_cannot_withdraw_or_see_the_signature(ready, second_client):
    signature = ConsentSignature.objects.get(course=ready.course)
    other = ready.world.one.patients[1].user
    second_client.force_login(other)
    url = reverse("intake:withdraw-consent", args=[signature.pk])
    assert second_client.get(url).status_code == 404
    assert second_client.post(url, {"reason": "x"}).status_code == 404
    assert not SafetyFlag.objects.filter(source=WITHDRAWAL_FLAG).exists()


def test_check_in_offers_the_signature_when_due(world, second_client):
    course = world.one.courses[0]
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    sign_consent(course)
    # Late morning at the clinic: an hour from now is still today there, so check-in is open
    # (within an hour of the clinic's midnight it opens only when the day begins).
    course.clinic.time_zone = late_morning_zone()
    course.clinic.save()
    start = timezone.now() + timedelta(hours=1)
    appointment = AppointmentFactory(
        course=course, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    second_client.force_login(course.patient.user)
    review = reverse("dosing:check-in-review", args=[appointment.pk])
    assert "/sign/" not in second_client.get(review).content.decode()
    v2 = publish(course.clinic)
    page = second_client.get(review)
    assert reverse("intake:sign-consent", args=[v2.pk]) in page.content.decode()


def test_a_version_already_signed_is_not_signed_twice(ready, second_client):
    document = ConsentDocument.objects.get(clinic=ready.course.clinic)
    second_client.force_login(ready.patient)
    url = reverse("intake:sign-consent", args=[document.pk])
    data = {"agreed": "on", "signed_name": ready.course.patient.legal_name}
    assert second_client.post(url, data)["Location"] == reverse("intake:consents")
    assert ConsentSignature.objects.filter(course=ready.course).count() == 1


def test_a_refused_signature_focuses_what_to_fix(ready, second_client):
    """Refused (a wrong name), the page came back with focus on the body; now its summary
    of what to fix takes focus, so a phone shows it and a screen reader reads it."""
    from tests.clinic.test_refusals_take_focus import SUMMARY

    v2 = publish(ready.course.clinic)
    second_client.force_login(ready.patient)
    url = reverse("intake:sign-consent", args=[v2.pk])
    body = second_client.post(url, {"agreed": "on", "signed_name": "Someone Else"})
    assert SUMMARY.search(body.content.decode())


def test_a_superseded_version_cannot_be_signed(ready, second_client):
    old = ConsentDocument.objects.get(clinic=ready.course.clinic)
    publish(ready.course.clinic)
    second_client.force_login(ready.patient)
    assert second_client.get(reverse("intake:sign-consent", args=[old.pk])).status_code == 404


def test_home_page_runs_the_same_queries_for_one_or_three_consents_to_sign(ready, second_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    second_client.force_login(ready.patient)
    home = reverse("clinic:my-journey")
    publish(ready.course.clinic)
    second_client.get(home)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            tasks = second_client.get(home).context["journey"]["tasks"]
        return len(captured), sum(task.url.endswith("/sign/") for task in tasks)

    count, listed = queries()
    assert listed == 1
    for kind in (ConsentKind.TELEHEALTH, ConsentKind.RECORDING):
        publish(ready.course.clinic, "1.0", "Text.", kind=kind, title=kind.label)
    assert queries() == (count, 3)
