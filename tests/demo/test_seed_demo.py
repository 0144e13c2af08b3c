"""The demo seed: built through the real services, safe to run twice, every login works."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from intake.models import IntakeRecord, IntakeSubmission, SuitabilityDecision, TreatmentPlan
from integration.models import IntegrationNote, JournalEntry
from integration.selectors import course_outcomes
from kapclinic.clinic.models import (
    Appointment,
    Clinic,
    CourseState,
    Patient,
    Protocol,
    Provider,
    Route,
    SafetyPlan,
    TreatmentCourse,
    User,
)
from kapclinic.demo.management.commands.seed_demo import DEMO_CONSENT, DEMO_CONSENT_ADDITION
from kapclinic.measures.models import QuestionnaireResponse
from sessions.models import Administration, DosingSession, VitalSigns

pytestmark = pytest.mark.django_db


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo clinic seeded once for the module, and what the seed printed. Each test runs in
    a savepoint inside it, so what one test changes is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def logins(output):
    """The password and emails as printed (scripts/screenshots.py reads the password so)."""
    password = re.search(r"password for all: (\S+?)\)", output).group(1)
    emails = re.findall(r"^  .{14} (\S+@\S+)", output, flags=re.MULTILINE)
    return password, emails


def counts():
    models = (
        Clinic,
        User,
        Provider,
        Patient,
        TreatmentCourse,
        IntakeSubmission,
        QuestionnaireResponse,
        SuitabilityDecision,
        TreatmentPlan,
        DosingSession,
        VitalSigns,
        Administration,
        IntegrationNote,
        JournalEntry,
        Appointment,
    )
    return {model.__name__: model.objects.count() for model in models}


def course_of(email):
    return TreatmentCourse.objects.get(patient__email=email)


def test_seeding_twice_keeps_one_clinic_and_reprints_the_logins(seeded):
    first = seeded
    before = counts()
    second = seed()
    assert "Demo clinic seeded." in first
    assert "already seeded" in second
    assert counts() == before and before["Clinic"] == 1
    assert logins(second) == logins(first)


def test_every_printed_login_signs_in_and_reaches_its_home_page(client, settings, seeded):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    password, emails = logins(seeded)
    assert len(emails) == 11
    for email in emails:
        signed_in = client.post(
            reverse("account_login"), {"login": email, "password": password}, follow=True
        )
        assert signed_in.status_code == 200, email
        assert signed_in.wsgi_request.user.email == email
        home = client.get(reverse("home"), follow=True)
        assert home.status_code == 200, email
        expected = (
            "clinic:caseload" if Provider.objects.filter(user__email=email) else "clinic:my-journey"
        )
        assert home.redirect_chain[-1][0] == reverse(expected), email
        client.logout()


def test_under_review_patient_shows_answers_scores_and_rule_hits_to_the_prescriber(
    client, settings, seeded
):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    course = course_of("review@example.com")
    assert course.state == CourseState.UNDER_REVIEW
    client.force_login(User.objects.get(email="prescriber@example.com"))
    response = client.get(reverse("intake:review", args=[course.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lorazepam 0.5 mg" in body  # the answer, with its interaction note
    assert "Benzodiazepine (CNS depressant)" in body
    assert "Takes a benzodiazepine" in body  # rule hits
    assert "PCL-5 at or above the provisional PTSD cut-off" in body
    for instrument in ("PCL-5", "PHQ-9", "GAD-7", "AUDIT-C"):
        assert instrument in body
    assert "Get through a day without flashbacks" in body
    scores = IntakeSubmission.objects.get(course=course).scores
    assert {code: s["total"] for code, s in scores.items()} == {
        "auditc": 1,
        "gad7": 12,
        "phq9": 11,
        "pcl5": 42,
    }


@pytest.mark.parametrize(
    ("email", "state"),
    [
        ("cleared@example.com", CourseState.CLEARED),
        ("patient@example.com", CourseState.IN_TREATMENT),
        ("integration@example.com", CourseState.INTEGRATION),
    ],
)
def test_cleared_patients_have_a_signed_decision_and_a_plan_from_the_protocol(email, state, seeded):
    course = course_of(email)
    assert course.state == state
    decision = SuitabilityDecision.objects.get(course=course)
    assert decision.outcome == SuitabilityDecision.Outcome.CLEARED
    assert decision.decided_by.email == "prescriber@example.com"
    assert decision.rationale and decision.submission.hits.exists()
    plan = TreatmentPlan.objects.get(course=course, decision=decision)
    protocol = Protocol.objects.get(clinic=course.clinic, is_default=True)
    assert (plan.route, plan.dose_min_mg, plan.dose_max_mg, plan.planned_dosing_sessions) == (
        protocol.route,
        protocol.dose_min_mg,
        protocol.dose_max_mg,
        protocol.planned_dosing_sessions,
    )
    # Signed at intake (version 1.0) and, except Amara, again when 2.0 was published.
    names = {s.signed_name for s in course.consent_signatures.all()}
    assert names == {course.patient.legal_name}


def test_demo_clinic_has_a_signed_off_protocol_per_route_and_its_sessions_run_on_them(seeded):
    clinic = Clinic.objects.get(name="Harbour KAP Clinic (demo)")
    director = Provider.objects.get(clinic=clinic, is_medical_director=True)
    assert director.user.email == "prescriber@example.com"
    in_force = Protocol.objects.in_force(clinic)
    assert sorted((p.route, p.product) for p in in_force) == sorted(
        [
            ("sublingual", "racemic_ketamine"),
            ("im", "racemic_ketamine"),
            ("iv", "racemic_ketamine"),
            ("intranasal", "esketamine"),
        ]
    )
    assert {p.signed_off_by for p in in_force} == {director}
    session = DosingSession.objects.filter(course__clinic=clinic).first()
    assert session.protocol.route == session.plan_terms.route == Route.SUBLINGUAL
    assert session.plan_terms.version == 1


def test_intake_in_progress_resumes_at_the_half_filled_step(client, seeded):
    course = course_of("intake@example.com")
    record = IntakeRecord.objects.get(course=course)
    assert record.completed_steps == ["about", "medical"]
    assert set(record.drafts) == {"psychiatric"}
    client.force_login(course.patient.user)
    response = client.get(reverse("intake:start"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("intake:step", args=["psychiatric"])
    assert response.status_code == 200


def test_amara_keeps_her_open_safety_flag(seeded):
    flags = course_of("patient@example.com").safety_flags.open()
    assert [flag.source for flag in flags] == ["Check-in PHQ-9 item 9"]
    assert flags[0].is_suicide_risk, "resolved only by a risk review"


def test_lee_sees_their_safety_plan_from_home(client, seeded):
    course = course_of("integration@example.com")
    plans = list(SafetyPlan.objects.filter(patient=course.patient).order_by("version"))
    assert [p.version for p in plans] == [1, 2] and "Dee" in plans[1].people_to_ask
    client.force_login(course.patient.user)
    assert reverse("clinic:my-safety-plan") in client.get(reverse("clinic:my-journey")).text
    assert "Dee" in client.get(reverse("clinic:my-safety-plan")).text


def test_amara_has_a_signed_dosing_session_from_check_in_to_addendum(client, settings, seeded):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    course = course_of("patient@example.com")
    session = DosingSession.objects.get(course=course, status=DosingSession.Status.SIGNED)
    assert session.started_at < timezone.now() - timedelta(days=7)
    check_in = session.appointment.check_in
    assert check_in.is_complete and check_in.phq9.total == 14
    assert check_in.gad7.is_completed
    assert session.companion_confirmed and session.weight_kg
    assert session.vitals.count() == 5
    dose = session.administrations.get()
    assert (dose.route, dose.lot_number) == (Route.SUBLINGUAL, "KET-SL-2611")
    alert = session.alerts.get()
    assert alert.vital_signs.systolic > 180 and not alert.is_open and alert.action_taken
    assert session.observations.exists()
    assert session.discharge.total == 10
    assert session.addenda.count() == 1
    assert session.appointment.status == Appointment.Status.COMPLETED
    # The open flag came later: it still holds her next session at the gate.
    assert course.appointments.filter(status=Appointment.Status.BOOKED, kind="dosing").exists()
    client.force_login(User.objects.get(email="prescriber@example.com"))
    response = client.get(reverse("dosing:session", args=[session.appointment_id]))
    assert response.status_code == 200
    assert "KET-SL-2611" in response.content.decode()


def test_lee_outcomes_show_a_trend_of_phq9_and_gad7_scores(client, settings, seeded):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    course = course_of("integration@example.com")
    assert course.state == CourseState.INTEGRATION
    sessions = DosingSession.objects.filter(course=course, status=DosingSession.Status.SIGNED)
    assert sessions.count() == 2
    assert IntegrationNote.objects.get(course=course).is_signed
    client.force_login(User.objects.get(email="therapist@example.com"))
    response = client.get(reverse("integration:outcomes", args=[course.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for instrument in ("PHQ-9", "GAD-7"):
        assert re.search(rf"{instrument} <span[^>]*>\(3 scores\)", body), instrument
    outcomes = {outcome.instrument: outcome for outcome in course_outcomes(course)}
    for code in ("phq9", "gad7"):
        outcome = outcomes[code]
        assert outcome.computable, outcome.reason
        assert outcome.baseline.purpose == "intake" and outcome.change.value < 0


def test_lee_shared_journal_entry_is_seen_by_staff_and_the_private_one_is_not(
    client, settings, seeded
):
    settings.KAP_REQUIRE_STAFF_MFA = False  # as `make demo` runs
    course = course_of("integration@example.com")
    shared = JournalEntry.objects.get(course=course, shared_at__isnull=False)
    private = JournalEntry.objects.get(course=course, shared_at__isnull=True)
    therapist = User.objects.get(email="therapist@example.com")
    assert list(JournalEntry.objects.visible_to(therapist)) == [shared]
    client.force_login(therapist)
    body = client.get(reverse("integration:outcomes", args=[course.pk])).content.decode()
    assert "Spoke in the team meeting today" in body
    assert "my dad&#x27;s workshop" not in body and "my dad's workshop" not in body
    assert private.body not in body
    client.force_login(course.patient.user)
    mine = client.get(reverse("integration:journal")).content.decode()
    assert "Spoke in the team meeting today" in mine and "workshop" in mine


def test_amara_has_a_pending_re_consent_and_every_other_gate_keeps_its_consent(seeded):
    from intake.consent import consent_status, consents_due

    amara = course_of("patient@example.com")
    (row,) = consents_due(amara)
    assert row.document.version == "2.0" and row.signature.document.version == "1.0"
    assert row.changes and "video" in row.changes[0].summary_of_changes
    for email in ("cleared@example.com", "integration@example.com"):
        assert not [r for r in consent_status(course_of(email)) if r.due], email


def test_amara_sees_the_re_consent_first_on_her_home_page(client, seeded):
    amara = course_of("patient@example.com")
    client.force_login(amara.patient.user)
    tasks = client.get(reverse("clinic:my-journey")).context["journey"]["tasks"]
    assert tasks[0].title.startswith("Sign Consent to ketamine-assisted psychotherapy")
    assert "version 2.0" in tasks[0].title


def test_the_demo_clinic_admin_publishes_a_consent_version_in_the_admin(client, enrol_mfa, seeded):
    from intake.models import ConsentDocument

    admin = User.objects.get(email="admin@example.com")
    enrol_mfa(admin)
    client.force_login(admin)
    add = reverse("admin:intake_consentdocument_add")
    assert client.get(add).status_code == 200
    clinic = Clinic.objects.get()
    response = client.post(
        add,
        {
            "clinic": clinic.pk,
            "kind": "telehealth",
            "title": "Consent to telehealth sessions",
            "version": "1.0",
            "effective_from": timezone.localdate().isoformat(),
            "resign_required": "on",
            "required_before_dosing": "on",
            "body": "Integration sessions by secure video.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    published = ConsentDocument.objects.get(clinic=clinic, kind="telehealth")
    assert published.published_by == admin
    listing = client.get(reverse("admin:intake_consentdocument_changelist"))
    assert (
        listing.status_code == 200 and "Consent to telehealth sessions" in listing.content.decode()
    )


def test_demo_courses_carry_diagnoses_and_a_superbill_downloads_with_lines(client, seeded):
    from kapclinic.billing.models import FeeLine
    from kapclinic.clinic.models import Diagnosis
    from tests.reports.pdf import pdf_text

    for email in ("patient@example.com", "integration@example.com", "maintenance@example.com"):
        patient = Patient.objects.get(email=email)
        assert Diagnosis.objects.in_force().filter(course__patient=patient, primary=True).exists()
        lines = FeeLine.objects.filter(patient=patient)
        assert lines.filter(code="J3490", is_drug=True).exists(), email
    lee = Patient.objects.get(email="integration@example.com")
    assert FeeLine.objects.filter(patient=lee, paid_on__isnull=False).exists()
    client.force_login(lee.user)
    start = (timezone.localdate() - timedelta(days=90)).isoformat()
    response = client.get(reverse("billing:my-superbill-pdf"), {"start": start})
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content))
    assert "99214" in text and "J3490" in text and "1987654328" in text


def test_the_esketamine_patient_has_rems_records_and_one_overdue_form(seeded):
    from kapclinic.rems.models import Certification, Enrolment, MonitoringForm
    from kapclinic.rems.services import overdue_count

    clinic = Clinic.objects.get(name="Harbour KAP Clinic (demo)")
    course = course_of("spravato@example.com")
    assert Certification.objects.get(clinic=clinic).active
    enrolment = Enrolment.objects.get(patient=course.patient)
    assert enrolment.prescriber.email == "prescriber@example.com"
    doses = Administration.objects.filter(session__course=course).order_by("given_at")
    assert [(d.product, d.device_count) for d in doses] == [("esketamine", 2), ("esketamine", 3)]
    forms = MonitoringForm.objects.filter(patient=course.patient).order_by("session_on")
    assert [f.submitted_on is not None for f in forms] == [True, False]
    assert [m["name"] for m in forms[1].fields["sedating_medicines"]] == [
        "Zopiclone 3.75 mg at night when needed"
    ]
    assert overdue_count(clinic.pk, timezone.now()) == 1


def test_mina_is_in_maintenance_with_a_reevaluation_on_record(seeded):
    from intake.plans import plan_in_force
    from kapclinic.clinic.models import Reevaluation
    from sessions.reevaluation import block_of

    course = course_of("maintenance@example.com")
    assert course.state == CourseState.MAINTENANCE
    [record] = Reevaluation.objects.filter(course=course)
    assert record.get_decision_display() == "Continue to maintenance"
    assert record.decided_by.email == "prescriber@example.com"
    assert record.sessions_before == 3 and record.plan_version == 3
    assert "PHQ-9: 17 → 6; Response: yes; Remission: no" in record.outcome_so_far
    assert plan_in_force(course).planned_dosing_sessions == 3
    block = block_of(course)
    assert (block.done, block.planned, block.due_on()) == (1, 3, None)
    assert DosingSession.objects.filter(course=course, status="signed").count() == 4
    # Stages in order, the re-evaluation between induction and maintenance.
    steps = list(course.events.values_list("to_state", flat=True))
    assert steps[-2:] == [CourseState.IN_TREATMENT, CourseState.MAINTENANCE]
    # The rest of her block, two sessions four weeks apart, booked as one series.
    upcoming = Appointment.objects.filter(course=course, starts_at__gt=timezone.now())
    assert upcoming.count() == 2
    [series] = {appointment.series for appointment in upcoming}
    assert (series.count, series.cadence, series.kind) == (2, "every 4 weeks", "dosing")


def test_the_demo_consent_paragraphs_wrap_to_the_phone_not_to_the_source_file():
    """The page keeps each line break it is given: a paragraph broken mid-sentence in the
    source showed on a phone as ragged short lines ("…sleepiness and a rise / in blood…")."""
    paragraphs = (DEMO_CONSENT + DEMO_CONSENT_ADDITION).split("\n\n")
    assert len(paragraphs) == 4
    assert [p for p in paragraphs if "\n" in p.strip("\n")] == []
