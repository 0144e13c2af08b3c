"""Identity and verbal re-consent on the day (reference §4.1): recorded once, before the
first dose, through the one service every writer calls."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import Build
from sessions import services
from sessions.discharge import discharge
from sessions.gate import evaluate_gate
from sessions.gate_overrides import override_gate
from sessions.models import DosingError, IdentityCheck

pytestmark = pytest.mark.django_db

LABEL = "Identity confirmed and verbal consent given today"


def item(session, at=None):
    return next(i for i in evaluate_gate(session, at=at) if i.key == "identity")


def refusal(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_dose_is_refused_until_identity_and_verbal_consent_are_recorded(build):
    build(identity=False)
    with pytest.raises(DosingError, match=LABEL):
        build.dose()
    check = item(build.session)
    assert not check.passed and not check.overridable
    assert "two identifiers" in check.reason
    build.identity()
    assert build.dose().pk


def test_the_check_cannot_be_overridden(build):
    build(identity=False, companion=False)
    with pytest.raises(DosingError, match="cannot be overridden"):
        override_gate(build.session, build.prescriber, "Taxi booked.")


def test_recording_names_the_identifiers_who_and_when_and_is_audited(build):
    session = build(identity=False)
    check = build.identity()
    assert (check.first_identifier, check.second_identifier) == ("full_name", "date_of_birth")
    assert check.consents_today and check.recorded_by == build.nurse
    passed = item(session)
    assert passed.passed
    assert passed.reason.startswith("Full name and Date of birth checked, verbal consent given")
    assert str(build.nurse) in passed.reason
    assert AccessEvent.objects.filter(what__contains="identity confirmed").exists()


def test_a_patient_who_declines_is_recorded_and_dosing_stays_blocked(build):
    session = build(identity=False)
    build.identity(consents_today=False)
    check = item(session)
    assert not check.passed and not check.overridable
    assert "declined verbal consent" in check.reason
    with pytest.raises(DosingError, match="declined verbal consent"):
        build.dose()
    # The session ends without a dose through discharge, as any session without one.
    discharge(session, build.nurse, build.discharge_data())
    session.refresh_from_db()
    assert session.status == "discharged" and not session.administrations.exists()
    assert "declined" in item(session).reason


def test_a_second_check_is_refused(ready):
    errors = refusal(lambda: ready.identity())
    assert "already recorded the identity check" in errors["__all__"][0]
    assert IdentityCheck.objects.filter(session=ready.session).count() == 1


def test_a_patient_who_declined_may_change_their_mind_in_the_same_visit(build):
    """Ambivalence is common on the day: after a "no", talking it through, the patient says
    yes. The "no" stays on the record; the later answer decides."""
    session = build(identity=False)
    build.identity(consents_today=False)
    later = build.start + timedelta(minutes=20)
    build.identity(recorded_at=later)
    check = item(session)
    assert check.passed
    assert "after declining at" in check.reason
    assert IdentityCheck.objects.filter(session=session).count() == 2
    assert build.dose(given_at=later + timedelta(minutes=5)).pk


def test_a_change_of_mind_comes_after_the_answer_it_replaces(build):
    build(identity=False)
    build.identity(consents_today=False, recorded_at=build.start + timedelta(minutes=10))
    errors = refusal(lambda: build.identity(recorded_at=build.start + timedelta(minutes=8)))
    assert "after their answer at" in errors["recorded_at"][0]


def test_a_second_no_is_refused(build):
    build(identity=False)
    build.identity(consents_today=False)
    errors = refusal(
        lambda: build.identity(consents_today=False, recorded_at=build.start + timedelta(minutes=9))
    )
    assert "already recorded that the patient declined" in errors["consents_today"][0]


def test_a_dose_before_the_change_of_mind_is_refused(build):
    build(identity=False)
    build.identity(consents_today=False)
    build.identity(recorded_at=build.dose_at + timedelta(minutes=5))
    with pytest.raises(DosingError, match="declined verbal consent"):
        build.dose()


def test_a_clinician_of_another_clinic_is_refused(build):
    build(identity=False)
    other = build.world.two.staff[Role.NURSE].user
    errors = refusal(lambda: build.identity(by=other))
    assert "of this clinic" in errors["__all__"][0]


def test_a_clinic_admin_is_refused(build):
    build(identity=False)
    errors = refusal(lambda: build.identity(by=build.admin))
    assert "prescriber, nurse or therapist" in errors["__all__"][0]


def test_a_closed_session_is_refused(build):
    session = build(identity=False)
    discharge(session, build.nurse, build.discharge_data())
    errors = refusal(lambda: build.identity())
    assert "discharged" in errors["__all__"][0]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"second_identifier": "full_name"}, "second_identifier"),
        ({"first_identifier": ""}, "first_identifier"),
        ({"consents_today": None}, "consents_today"),
    ],
)
def test_refusals_stand_beside_their_field(build, data, field):
    build(identity=False)
    assert field in refusal(lambda: build.identity(**data))


def test_a_time_in_the_future_or_before_the_start_is_refused(build):
    build(identity=False)
    late = refusal(lambda: build.identity(recorded_at=build.start + timedelta(hours=5)))
    early = refusal(lambda: build.identity(recorded_at=build.start - timedelta(hours=1)))
    assert "later than now" in late["recorded_at"][0]
    assert "before the session started" in early["recorded_at"][0]


def test_a_first_dose_timed_before_the_check_is_refused(build):
    build(identity=False)
    build.identity(recorded_at=build.dose_at + timedelta(minutes=5))
    with pytest.raises(DosingError, match="after the first dose"):
        build.dose()
    assert build.dose(given_at=build.dose_at + timedelta(minutes=6)).pk


def test_boosters_are_not_asked_again(ready):
    ready.dose()
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=25))
    booster = ready.dose(amount_mg="50", given_at=ready.dose_at + timedelta(minutes=30))
    assert booster.pk
    assert IdentityCheck.objects.filter(session=ready.session).count() == 1
    assert item(ready.session).passed


def test_the_check_is_written_once(ready):
    check = IdentityCheck.objects.get(session=ready.session)
    check.consents_today = False
    with pytest.raises(DosingError, match="never changed"):
        check.save()
    with pytest.raises(DosingError, match="kept"):
        check.delete()


def test_the_database_refuses_a_change(ready):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityCheck.objects.filter(session=ready.session).update(consents_today=False)


def test_a_closed_sessions_checklist_says_whether_it_came_before_the_first_dose(build):
    session = build()
    build.dose()
    build.recheck()
    discharge(session, build.nurse, build.discharge_data())
    session.refresh_from_db()
    check = item(session)
    assert check.passed and check.reason.endswith("before the first dose.")


def test_a_session_dosed_before_the_check_existed_says_none_was_recorded(build):
    """Historical records: the checklist is honest, and signing does not depend on it."""
    session = build(identity=False)
    # As a session from before this check: its dose recorded with no identity row.
    build.identity()
    build.dose()
    build.recheck()
    with connection.cursor() as cursor:  # past the write-once trigger, as before it existed
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM dosing_identitycheck WHERE session_id = %s", [session.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    discharge(session, build.nurse, build.discharge_data())
    session.refresh_from_db()
    check = item(session)
    assert not check.passed and check.reason == "None was recorded before the first dose."
    services.sign_session(session, build.prescriber)
    session.refresh_from_db()
    assert session.is_signed and session.verify_content_hash() is True


def test_the_screen_offers_the_form_then_shows_who_and_when(build, staff_client):
    from tests.sessions.test_session_views import HTMX, sign_in

    session = build(identity=False)
    client = sign_in(staff_client, build, Role.NURSE)
    screen = reverse("dosing:session", args=[build.appointment.pk])
    html = client.get(screen).content.decode()
    assert 'id="identity-form"' in html and "Record identity and consent" in html
    url = reverse("dosing:record-identity-check", args=[session.pk])
    sent = {"identity-first_identifier": "full_name", "identity-second_identifier": "full_name"}
    refused = client.post(url, {**sent, "identity-consents_today": "yes"}, headers=HTMX)
    assert "Choose a second, different identifier." in refused.content.decode()
    sent["identity-second_identifier"] = "photo_id"
    answer = client.post(url, {**sent, "identity-consents_today": "yes"}, headers=HTMX)
    html = answer.content.decode()
    assert html.lstrip().startswith('<div id="identity-form"')
    assert "Full name and Photo ID checked by" in html and str(build.nurse) in html
    assert 'id="gate-status"' in html
    assert "Record identity and consent" not in client.get(screen).content.decode()


def test_after_a_no_the_screen_offers_the_change_of_mind_and_keeps_both_answers(
    build, staff_client
):
    from tests.sessions.test_session_views import HTMX, sign_in

    session = build(identity=False)
    build.identity(consents_today=False)
    client = sign_in(staff_client, build, Role.NURSE)
    screen = reverse("dosing:session", args=[build.appointment.pk])
    html = client.get(screen).content.decode()
    assert "declined</strong> verbal consent today" in html
    assert "The patient changed their mind?" in html
    url = reverse("dosing:record-identity-check", args=[session.pk])
    sent = {
        "identity-first_identifier": "full_name",
        "identity-second_identifier": "date_of_birth",
        "identity-consents_today": "yes",
    }
    html = client.post(url, sent, headers=HTMX).content.decode()
    assert "declined</strong> verbal consent today" in html
    assert "the patient agreed to go ahead today" in html
    assert "Record identity and consent" not in html
    assert item(session).passed


def test_the_screen_reads_the_check_in_one_query_and_its_person_with_the_others(ready):
    """The screen's query count grows by one (its people are read in the screen's one query)."""
    from sessions.screen import session_screen

    ready.dose()
    with CaptureQueriesContext(connection) as ctx:
        data = session_screen(ready.session, ready.prescriber)
    reads = [q for q in ctx.captured_queries if '"dosing_identitycheck"' in q["sql"]]
    assert len(reads) == 1
    assert len([q for q in ctx.captured_queries if 'FROM "clinic_user"' in q["sql"]]) == 1
    [check] = data["identity_checks"]
    assert check.recorded_by == ready.nurse and not data["identity_needed"]


def test_the_admin_only_reads_its_own_clinics_checks(ready, staff_client):
    other = Build(ready.world, "two")
    other()
    client = staff_client(ready.world.one.staff[Role.CLINIC_ADMIN])
    listing = client.get(reverse("admin:dosing_identitycheck_changelist"))
    assert listing.status_code == 200
    check = ready.session.identity_checks.get()
    assert list(listing.context["cl"].result_list) == [check]
    assert client.get(reverse("admin:dosing_identitycheck_add")).status_code == 403
    page = client.get(reverse("admin:dosing_identitycheck_change", args=[check.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
