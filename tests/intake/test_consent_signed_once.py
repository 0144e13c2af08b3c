"""A version is signed once while it is in force: a double tap, a second tab or a form sent
again after "back" writes no second signature, and the database refuses one too. A patient
who withdrew signs again (that signature restores the consent; the withdrawal stays)."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from intake.consent import sign_consent, withdraw_consent
from intake.models import ConsentDocument, ConsentSignature
from kapclinic.demo.builder import intake_answers
from tests.concurrency import post_at_once, signed_in_browsers, statuses
from tests.intake.helpers import fill_intake
from tests.real_services import require_real_service


def signatures(course):
    return ConsentSignature.objects.filter(course=course)


def sign_form(ready, document):
    data = {"agreed": "on", "signed_name": ready.course.patient.legal_name}
    return reverse("intake:sign-consent", args=[document.pk]), data


@pytest.mark.django_db
def test_signing_a_version_already_signed_keeps_the_one_signature(ready):
    first = ConsentSignature.objects.get(course=ready.course)
    again = sign_consent(
        ready.course, first.document, by=ready.patient, signed_name=first.signed_name
    )
    assert again == first
    assert signatures(ready.course).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_signature_of_a_version(ready):
    first = ConsentSignature.objects.get(course=ready.course)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentSignature.objects.create(
            course=ready.course,
            document=first.document,
            signed_by=ready.patient,
            signed_name=first.signed_name,
            agreed=True,
        )


@pytest.mark.django_db
def test_a_withdrawn_version_is_signed_again_once_and_the_withdrawal_stays(ready):
    first = ConsentSignature.objects.get(course=ready.course)
    withdrawal = withdraw_consent(first, by=ready.patient, reason="A pause.")
    name = first.signed_name
    second = sign_consent(ready.course, first.document, by=ready.patient, signed_name=name)
    assert second != first and second.restores == withdrawal
    third = sign_consent(ready.course, first.document, by=ready.patient, signed_name=name)
    assert third == second
    assert signatures(ready.course).count() == 2
    first.refresh_from_db()
    assert first.withdrawal == withdrawal


@pytest.mark.django_db
def test_the_intake_consent_step_sent_again_signs_once(patient_client):
    client, patient, course = patient_client
    fill_intake(client, patient)
    consent_step = reverse("intake:step", args=["consent"])
    again = client.post(consent_step, intake_answers(patient)["consent"])
    assert again.status_code == 302
    assert signatures(course).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_consent_sent_at_the_same_instant_saves_one_signature(ready):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    withdraw_consent(ConsentSignature.objects.get(course=ready.course), by=ready.patient)
    document = ConsentDocument.objects.get(clinic=ready.course.clinic)
    target, data = sign_form(ready, document)
    answers = post_at_once(signed_in_browsers(ready.patient, 4), target, data)
    assert statuses(answers) == [302] * 4
    assert signatures(ready.course).count() == 2  # the withdrawn one and one new signature


@pytest.mark.django_db(transaction=True)
def test_a_new_version_sent_at_the_same_instant_saves_one_signature(ready):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    v2 = ConsentDocument.objects.create(clinic=ready.course.clinic, version="2.0", body="New.")
    target, data = sign_form(ready, v2)
    answers = post_at_once(signed_in_browsers(ready.patient, 4), target, data)
    assert statuses(answers) == [302] * 4
    assert signatures(ready.course).filter(document=v2).count() == 1


@pytest.mark.django_db
def test_the_migration_links_a_signature_made_after_a_withdrawal_to_it(ready):
    first = ConsentSignature.objects.get(course=ready.course)
    withdrawal = withdraw_consent(first, by=ready.patient)
    v2 = ConsentDocument.objects.create(clinic=ready.course.clinic, version="2.0", body="New.")
    v3 = ConsentDocument.objects.create(clinic=ready.course.clinic, version="3.0", body="Newer.")
    # Written as before the migration: no link to the withdrawal it followed.
    after, later = (
        ConsentSignature.objects.create(
            course=ready.course,
            document=document,
            signed_by=ready.patient,
            signed_name=first.signed_name,
            agreed=True,
        )
        for document in (v2, v3)
    )
    name = "intake.migrations.0010_consent_version_signed_once"
    state = MigrationLoader(connection).project_state(("intake", name.rsplit(".", 1)[1]))
    migration = importlib.import_module(name)
    migration.link_re_signatures(state.apps, SimpleNamespace(connection=connection))
    after.refresh_from_db()
    later.refresh_from_db()
    assert after.restores == withdrawal and later.restores is None
