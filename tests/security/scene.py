"""One clinic-1 scene with a record behind every URL id, and a signed-in client per role.

Patient A owns the objects the sweep aims at: a cleared course in a dosing session today
(check-in open, an alert, a safety flag). Patient B, at the same clinic, has records of their
own, so "B opens A's" is a real test. Two more clinic-1 patients give the staff pages their
objects: one awaiting review and one invited but not yet signed up.
"""

import datetime
from types import SimpleNamespace

from django.apps import apps
from django.utils import timezone

from intake.models import Invitation
from integration import services as integration_services
from integration.models import MeasureRequest
from kapclinic.clinic import risk
from kapclinic.clinic.models import Appointment, RiskDecision, Role, SafetyFlag
from kapclinic.clinic.staff_invitations import invite_staff, link_parts
from kapclinic.demo.builder import book, clear_course, room, sign_consent, submit_intake
from kapclinic.rems.services import generate_monitoring_form
from sessions import services
from sessions.models import AdverseEvent, SessionAlert
from tests.conftest import CommittingClient
from tests.factories import (
    AppointmentFactory,
    CourseFactory,
    PatientFactory,
    ProviderFactory,
    UserFactory,
)
from tests.sessions.test_check_in_views import late_morning_zone

ANONYMOUS = "anonymous"
PATIENT_A = "patient A"
PATIENT_B = "patient B"
THERAPIST_1 = "therapist 1"
PRESCRIBER_1 = "prescriber 1"
NURSE_1 = "nurse 1"
CLINIC_ADMIN_1 = "clinic admin 1"
PRESCRIBER_2 = "prescriber 2"
SUPERUSER = "superuser"

ROLES = (
    ANONYMOUS,
    PATIENT_A,
    PATIENT_B,
    THERAPIST_1,
    PRESCRIBER_1,
    NURSE_1,
    CLINIC_ADMIN_1,
    PRESCRIBER_2,
    SUPERUSER,
)
PATIENT_ROLES = frozenset({PATIENT_A, PATIENT_B})
STAFF_ROLES = frozenset({THERAPIST_1, PRESCRIBER_1, NURSE_1, CLINIC_ADMIN_1, PRESCRIBER_2})


def build_scene(world):
    """The scene's records, by name (`scene.session_a`, `scene.token`…)."""
    one = world.one
    clinic = one.clinic
    # Late morning in the clinic's zone, so "today" has hours either side of now.
    clinic.time_zone = late_morning_zone()
    clinic.save()
    prescriber, nurse = one.staff[Role.PRESCRIBER], one.staff[Role.NURSE]
    now = timezone.now()
    scene = SimpleNamespace(world=world, clinic=clinic, prescriber=prescriber, nurse=nurse)

    # Patient A: cleared and consented, dosed today; check-in still open, an alert, a flag.
    scene.course_a = one.courses[0]
    clear_course(scene.course_a, prescriber.user)
    sign_consent(scene.course_a)
    scene.appointment_a = book(
        scene.course_a,
        now - datetime.timedelta(minutes=30),
        hours=2.5,
        clinician=nurse,
        resource=room(clinic, "Dosing room 1"),
    )
    scene.session_a = services.open_session(scene.appointment_a, nurse.user)
    scene.alert_a = SessionAlert.objects.create(
        session=scene.session_a, message="BP 182/104: recheck."
    )
    scene.event_a = AdverseEvent.objects.create(
        session=scene.session_a,
        kind="nausea",
        onset_at=now,
        severity="mild",
        outcome="resolved",
        relatedness="probable",
        recorded_by=nurse.user,
    )
    scene.flag_a, _ = SafetyFlag.raise_for(
        scene.course_a, source="Check-in PHQ-9", reason="Item 9 above 0."
    )
    # Suicide-risk flags: one open for the risk review, one reviewed (moderate, referred) with
    # a follow-up task for the nurse.
    scene.risk_flag_a, _ = SafetyFlag.raise_for(
        scene.course_a, source="Check-in C-SSRS", reason="Risk.", kind=SafetyFlag.Kind.SUICIDE_RISK
    )
    reviewed, _ = SafetyFlag.raise_for(
        scene.course_a, source="Follow-up PHQ-9", reason="Risk.", kind=SafetyFlag.Kind.SUICIDE_RISK
    )
    scene.review_a = risk.review_risk_flag(
        reviewed,
        prescriber.user,
        screen_answers={"q1": 0, "q2": 0, "q6": 1, "q6b": 0},
        protective_factors="Family.",
        formulation="Attempt years ago; none since.",
        decision=RiskDecision.REFER,
        safety_plan_made=False,
        task=risk.TaskRequest(owner=nurse, description="Call back."),
    )
    scene.task_a = scene.review_a.tasks.get()

    # Patient A's journal entry (private) and a follow-up questionnaire open for answers.
    scene.entry_a = integration_services.write_journal_entry(
        scene.course_a.patient.user, scene.course_a, "A calm week."
    ).entry
    scene.measure_a = MeasureRequest.objects.create(
        course=scene.course_a,
        instrument="phq9",
        purpose="follow_up",
        timepoint="after:1w",
        label="1 week after the course",
        opens_at=now - datetime.timedelta(days=1),
        due_at=now + datetime.timedelta(days=3),
        expires_at=now + datetime.timedelta(days=10),
    )

    # Patient A's integration session tomorrow, with the therapist's draft note.
    scene.integration_a = book(
        scene.course_a, now + datetime.timedelta(days=1), hours=1, kind=Appointment.Kind.INTEGRATION
    )
    scene.note_a = integration_services.open_integration_note(
        scene.integration_a, one.staff[Role.THERAPIST].user
    )

    # Patient A's Spravato REMS monitoring form for today's session, waiting to be submitted.
    scene.rems_form_a = generate_monitoring_form(
        scene.appointment_a,
        session_on=timezone.localdate(now, clinic.tz),
        fields={"patient": scene.course_a.patient.legal_name, "total_mg": "56", "device_count": 2},
    )

    # Patient B: intake in progress and a dosing appointment of their own next week.
    scene.course_b = one.courses[1]
    scene.course_b.start_intake(scene.course_b.patient.user)
    scene.appointment_b = AppointmentFactory(
        course=scene.course_b, starts_at=now + datetime.timedelta(days=7)
    )
    scene.flag_b, _ = SafetyFlag.raise_for(
        scene.course_b, source="Intake PHQ-9", reason="Item 9 above 0."
    )

    # A submitted intake waiting for the prescriber.
    scene.awaiting = CourseFactory(patient=PatientFactory(clinic=clinic))
    submit_intake(scene.awaiting)

    # Invited, no login yet: the accept link is public, the token its only key.
    scene.invited = CourseFactory(
        patient=PatientFactory(clinic=clinic, user=None, email="new@x.org")
    )
    _, scene.token = Invitation.issue(scene.invited, prescriber.user)

    # A new nurse invited by the clinic admin, no password yet: the welcome link is public.
    newcomer = ProviderFactory(clinic=clinic, role=Role.NURSE, user__password=None)
    invite_staff(newcomer, by=one.staff[Role.CLINIC_ADMIN].user)
    scene.welcome_uid, scene.welcome_token, _ = link_parts(newcomer.user)

    scene.patient_a, scene.patient_b = scene.course_a.patient, scene.course_b.patient
    return scene


def sign_in_everyone(scene, enrol_mfa):
    """A client per role; staff and the superuser have MFA enrolled, as they must."""
    one, two = scene.world.one, scene.world.two
    users = {
        PATIENT_A: scene.patient_a.user,
        PATIENT_B: scene.patient_b.user,
        THERAPIST_1: one.staff[Role.THERAPIST].user,
        PRESCRIBER_1: one.staff[Role.PRESCRIBER].user,
        NURSE_1: one.staff[Role.NURSE].user,
        CLINIC_ADMIN_1: one.staff[Role.CLINIC_ADMIN].user,
        PRESCRIBER_2: two.staff[Role.PRESCRIBER].user,
        SUPERUSER: UserFactory(is_superuser=True, is_staff=True),
    }
    clients = {ANONYMOUS: CommittingClient()}
    for role, user in users.items():
        if role not in PATIENT_ROLES:
            enrol_mfa(user)
        clients[role] = CommittingClient()
        clients[role].force_login(user)
    return clients


# Every table a request could change. The audit trail is left out on purpose: a refused
# request is meant to write a "denied" row there.
RECORD_APPS = (
    "kapclinic.clinic",
    "kapclinic.measures",
    "kapclinic.reminders",
    "kapclinic.reports",
    "kapclinic.billing",
    "kapclinic.rems",
    "kapclinic.calendar",
    "intake",
    "sessions",
    "integration",
)
VOLATILE = {"last_login"}


def snapshot():
    """Every row of every clinical table, keyed by (model, pk)."""
    rows = {}
    for config in apps.get_app_configs():
        if config.name not in RECORD_APPS:
            continue
        for model in config.get_models(include_auto_created=True):
            pk = model._meta.pk.attname
            for row in model._base_manager.order_by(pk).values():
                rows[(model._meta.label, row[pk])] = {
                    k: v for k, v in row.items() if k not in VOLATILE
                }
    return rows


def changes(before, after):
    """Rows created, deleted or changed between two snapshots, in words."""
    lines = [f"created {label} #{pk}" for label, pk in after.keys() - before.keys()]
    lines += [f"deleted {label} #{pk}" for label, pk in before.keys() - after.keys()]
    for key in before.keys() & after.keys():
        changed = sorted(f for f in before[key] if before[key][f] != after[key].get(f))
        if changed:
            lines.append(f"changed {key[0]} #{key[1]}: {', '.join(changed)}")
    return sorted(lines)
