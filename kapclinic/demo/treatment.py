"""Walk a demo patient through phases 2 and 3 with the services the session screen uses.

The services stamp most times with "now"; they take the clinical times (readings, dose,
observation, discharge) as data. Where a past visit needs a time no service accepts
(check-in completion, questionnaire completion, an alert's acknowledgement, journal entries,
journey events), the rows just made are moved back with `queryset.update()`, always before
the session or note is signed: the signing lock itself is never bypassed, so the signature
and any addendum carry the time of seeding, as a late signature would.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from integration import services as integration
from integration.models import IntegrationNote, JournalEntry
from kapclinic.clinic.models import (
    CourseEvent,
    Product,
    Role,
    Route,
    TreatmentCourse,
)
from kapclinic.measures.models import QuestionnaireResponse
from sessions import booking
from sessions import services as dosing
from sessions.models import CheckIn, SessionAlert

from .answers import scale
from .builder.dosing import (
    check_in_data,
    discharge_data,
    dose_data,
    identity_data,
    open_session,
    vitals_data,
)
from .builder.resources import room
from .stock import ketamine_in_stock

LOT = "KET-SL-2611"


@dataclass
class Visit:
    """One past dosing session: what the patient said and what the team saw and gave."""

    start: object  # aware datetime, the appointment's start
    gad7: tuple
    phq9: tuple  # item 9 stays 0: an urgent answer would (rightly) hold the dose
    weight_kg: str
    dose_mg: int
    # (minutes after the start, systolic, diastolic, heart rate, SpO2); the first is baseline
    vitals: list
    observation: dict
    alert_action: str = ""
    addendum: str = ""
    dosed_by: str = Role.PRESCRIBER
    # What was given: sublingual racemic ketamine unless the visit says otherwise.
    product: str = Product.RACEMIC_KETAMINE
    route: str = Route.SUBLINGUAL
    device_count: int | None = None
    lot: str = LOT


def minutes(start, count):
    return start + timedelta(minutes=count)


def shift(queryset, to=None, by=None, fields=()):
    """Move the timestamps of rows the seed has just made: to one time, or back by `by`."""
    values = {name: (to if by is None else F(name) - by) for name in fields}
    return queryset.update(**values)


@contextmanager
def final_records_movable():
    """Demo only: let the seed move the just-made intake decision, plan and consent back.

    On PostgreSQL these rows are final when written and triggers refuse any UPDATE. The demo
    story needs an intake weeks ago, so for this one transaction the seed suspends triggers
    (`session_replication_role = replica`), which only a database superuser may do; the
    application's own database role in production is not one.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def backdate_intake(course, to):
    """Move everything intake made for this course (all stamped "now") back to `to`."""
    with final_records_movable():
        _backdate_intake(course, to)


def _backdate_intake(course, to):
    from intake.models import (
        ConsentSignature,
        IntakeSubmission,
        Invitation,
        SuitabilityDecision,
        TreatmentPlan,
    )

    by = timezone.now() - to
    shift(Invitation.objects.filter(course=course), by=by, fields=("created_at", "expires_at"))
    shift(
        Invitation.objects.filter(course=course, used_at__isnull=False), by=by, fields=["used_at"]
    )
    shift(IntakeSubmission.objects.filter(course=course), by=by, fields=["submitted_at"])
    shift(ConsentSignature.objects.filter(course=course), by=by, fields=["signed_at"])
    shift(SuitabilityDecision.objects.filter(course=course), by=by, fields=["decided_at"])
    shift(TreatmentPlan.objects.filter(course=course), by=by, fields=["created_at"])
    responses = QuestionnaireResponse.objects.filter(course=course, completed_at__isnull=False)
    shift(responses, by=by, fields=("started_at", "completed_at"))
    shift(CourseEvent.objects.filter(course=course), by=by, fields=["at"])
    shift(
        TreatmentCourse.objects.filter(pk=course.pk),
        by=by,
        fields=("created_at", "state_changed_at"),
    )
    shift(type(course.patient).objects.filter(pk=course.patient_id), by=by, fields=["created_at"])


def stamp_journey(course, since, at):
    """Journey steps taken since `since` (by a dose, or a transition) happened at `at`."""
    CourseEvent.objects.filter(course=course, at__gte=since).update(at=at)
    TreatmentCourse.objects.filter(pk=course.pk, state_changed_at__gte=since).update(
        state_changed_at=at
    )


def check_in(appointment, patient, visit):
    """The patient's day-of check-in, answered from home before the visit."""
    start = visit.start
    companion = {"companion_name": "Chris Example", "companion_phone": "+44 7700 900999"}
    dosing.save_check_in(appointment, patient, check_in_data(start, **companion))
    for code, points in (("gad7", visit.gad7), ("phq9", visit.phq9)):
        answers = {key: int(value) for key, value in scale(*points).items()}
        dosing.save_check_in_questionnaire(appointment, patient, code, answers, complete=True)
    # send_check_in() is the two calls below plus a check of the check-in window, which a
    # visit in the past is outside of by definition.
    record = dosing.complete_check_in(appointment, patient)
    booking.mark_checked_in(appointment, patient)
    # Answered at home an hour before the start, not at seeding time.
    answered = start - timedelta(hours=1)
    shift(CheckIn.objects.filter(pk=record.pk), to=answered, fields=["completed_at"])
    shift(
        QuestionnaireResponse.objects.filter(pk__in=[record.gad7_id, record.phq9_id]),
        to=answered - timedelta(minutes=5),
        fields=("started_at", "completed_at"),
    )
    return record


def past_dosing_session(course, staff, visit):
    """A dosing session from booking to signature, with its addendum: returns it signed."""
    prescriber, nurse = staff[Role.PRESCRIBER], staff[Role.NURSE]
    patient = course.patient.user
    since = timezone.now()
    appointment = booking.book_dosing_session(
        course,
        by=staff[Role.CLINIC_ADMIN].user,
        starts_at=visit.start,
        ends_at=visit.start + timedelta(hours=2, minutes=30),
        clinician=prescriber,
        resource=room(course.clinic, "Dosing room 1"),
    )
    check_in(appointment, patient, visit)
    # Opened at the start of the visit: clinical times may not precede the session's start.
    session = open_session(appointment, nurse.user, visit.start)
    dosing.confirm_companion(session, nurse.user)
    dosing.record_weight(session, nurse.user, Decimal(visit.weight_kg))
    baseline, *later = visit.vitals
    record_vitals(session, nurse.user, visit.start, baseline)
    dosing.record_identity_check(session, nurse.user, identity_data(minutes(visit.start, 6)))
    dose_at = minutes(visit.start, 15)
    giver = staff[visit.dosed_by]
    witness = nurse if giver is prescriber else prescriber
    dose = dose_data(
        given_at=dose_at,
        witnessed_by=witness.user,
        product=visit.product,
        route=visit.route,
        amount_mg=visit.dose_mg,
        device_count=visit.device_count,
        lot_number=visit.lot,
        lot_expiry=(visit.start + timedelta(days=300)).date(),
        # From the register's first day the dose draws from the clinic's stock.
        stock_lot=ketamine_in_stock(course.clinic),
    )
    dosing.record_dose(session, giver.user, dose)
    stamp_journey(course, since, dose_at)  # the first dose starts treatment
    for reading in later:
        record_vitals(session, nurse.user, visit.start, reading)
    observation = dict(visit.observation)
    observation["observed_at"] = minutes(visit.start, observation.pop("minute"))
    dosing.record_observation(session, nurse.user, observation)
    for alert in session.alerts.select_related("vital_signs"):
        dosing.acknowledge_alert(alert, nurse.user, visit.alert_action)
        # Raised when the reading was taken and acknowledged a few minutes later, not today.
        taken = alert.vital_signs.taken_at
        SessionAlert.objects.filter(pk=alert.pk).update(
            raised_at=taken, acknowledged_at=taken + timedelta(minutes=4)
        )
    fit = discharge_data(discharged_at=dose_at + timedelta(hours=2, minutes=10))
    dosing.discharge(session, nurse.user, fit)
    session = dosing.sign_session(session, prescriber.user)
    if visit.addendum:
        dosing.add_addendum(session, nurse.user, visit.addendum)
    return session


def record_vitals(session, by, start, reading):
    minute, systolic, diastolic, heart_rate, spo2 = reading
    data = vitals_data(minutes(start, minute), systolic, diastolic, heart_rate, spo2)
    return dosing.record_vitals(session, by, data)


def book_integration(session, therapist, starts_at):
    """A 50-minute integration session with `therapist` (a provider) after a dosing session."""
    return integration.book_integration_session(
        session,
        therapist.user,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        clinician=therapist,
        resource=room(session.course.clinic, "Therapy room"),
    )


def integration_session(session, staff, starts_at, note):
    """The integration session after a dosing session, with its signed note."""
    therapist = staff[Role.THERAPIST]
    appointment = book_integration(session, therapist, starts_at)
    record = integration.open_integration_note(appointment, therapist.user, dosing_session=session)
    record = integration.record_integration_note(record, therapist.user, note)
    # Written during the session, not at seeding time; moved before signing.
    IntegrationNote.objects.filter(pk=record.pk).update(
        created_at=starts_at, updated_at=starts_at + timedelta(minutes=55)
    )
    integration.sign_integration_note(record, therapist.user)
    booking.complete(appointment, by=therapist.user)
    return record


def journal(course, body, *, written_at, session=None, share=False):
    """A journal entry the patient wrote on `written_at` (shared the same evening if `share`)."""
    result = integration.write_journal_entry(
        course.patient.user, course, body, dosing_session=session, share=share
    )
    JournalEntry.objects.filter(pk=result.entry.pk).update(
        written_at=written_at,
        shared_at=written_at + timedelta(minutes=10) if share else None,
    )
    return result.entry


def begin_integration(course, by, at, reason):
    since = timezone.now()
    course.refresh_from_db()
    course.begin_integration(by, reason)
    stamp_journey(course, since, at)
