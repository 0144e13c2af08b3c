"""Every URL the project defines, requested by every kind of person, against one table.

The URLs come from the resolver, so a new view is swept the day it is added, and fails here
until ACCESS says who may reach it. Each URL is opened with GET and POST as each role in
scene.ROLES, with ids of patient A's records at clinic 1. The rules for anyone not allowed:
anonymous visitors are sent to sign in; a patient on a staff page, or staff on a patient
page, is refused (403); anyone else is told the record is not there (404), so another
clinic's or patient's records are never confirmed to exist. A method the view does not serve
answers 405 before any record is looked up. Refused requests must change nothing.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from kapclinic.clinic.models import Protocol
from kapclinic.demo.builder import intake_answers, room
from tests.factories import PASSWORD
from tests.risk_helpers import risk_review_data

from .conftest import CHECKED
from .scene import (
    ANONYMOUS,
    CLINIC_ADMIN_1,
    NURSE_1,
    PATIENT_A,
    PATIENT_B,
    PATIENT_ROLES,
    PRESCRIBER_1,
    PRESCRIBER_2,
    ROLES,
    SUPERUSER,
    THERAPIST_1,
    changes,
    snapshot,
)

pytestmark = pytest.mark.django_db

# Third-party URL trees, by the route they are mounted at. Only whole includes are left out:
# a project view added beside them is still swept.
EXCLUDED = {
    "admin/": "Django admin: tests/clinic/test_admin.py checks who may use it",
    "accounts/": "allauth sign-in, password and MFA pages: public by design, allauth's tests",
    "static/": "static files, served by whitenoise",
    "media/": "uploaded files (none served by Django)",
    "__debug__/": "debug toolbar, development only",
}

# Who a page is for. A signed-in person on the other side's page is refused (403).
STAFF, PATIENT, ANYONE, PUBLIC = "staff", "patient", "anyone signed in", "public"
GET, POST = "GET", "POST"
BOTH = frozenset({GET, POST})

OWNER = frozenset({PATIENT_A})
PATIENTS = frozenset({PATIENT_A, PATIENT_B})
CLINIC_1 = frozenset({THERAPIST_1, PRESCRIBER_1, NURSE_1, CLINIC_ADMIN_1})
EVERY_CLINIC = CLINIC_1 | {PRESCRIBER_2}
# A superuser holds no Provider. They see every clinic's records (patient_scope is Q()), so
# they reach every staff page; the clinical services still refuse them what needs a role
# (doses, signing: a form error). They have no clinic to invite into (404) and no patient
# record, so patient pages refuse them (403).
SUPER = frozenset({SUPERUSER})
STOCK_RECORDERS = frozenset({PRESCRIBER_1, NURSE_1, PRESCRIBER_2})
STOCK_READERS = STOCK_RECORDERS | {CLINIC_ADMIN_1}
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}


@dataclass(frozen=True)
class Page:
    side: str  # who the page is for: STAFF, PATIENT, ANYONE or PUBLIC
    allowed: frozenset  # the roles that reach it
    methods: frozenset = BOTH  # what the view serves; other methods answer 405
    kwargs: Any = None  # scene → URL kwargs
    data: Any = None  # scene → POST data; real data, so a hole would show as a change
    notes: str = field(default="", compare=False)


def pk_of(name):
    """Scene → the URL kwargs of the scene's record `name`."""
    return lambda s: {"pk": getattr(s, name).pk}


course_a = pk_of("course_a")
appointment_a = pk_of("appointment_a")
session_a = pk_of("session_a")
entry_a = pk_of("entry_a")
measure_a = pk_of("measure_a")
integration_a = pk_of("integration_a")


def record_request_scene(s):
    """Patient A's request for a correction, made once per scene."""
    if not hasattr(s, "record_request_a"):
        from kapclinic.clinic.record_requests import ask

        s.record_request_a = ask(s.patient_a.user, "correction", "My phone number is wrong.")
    return s


def released_notes_scene(s):
    """Patient A's notes, asked for and released in the app, made once per scene."""
    if not hasattr(s, "released_notes_a"):
        from kapclinic.clinic.record_requests import answer, ask

        asked = ask(s.patient_a.user, "notes")
        s.released_notes_a = answer(
            asked, s.prescriber.user, "done", "Released here.", release_notes=True
        )
    return s


def stock_scene(s):
    """A lot in a safe at clinic 1 and a count discrepancy, made once per scene."""
    if not hasattr(s, "stock_lot"):
        from kapclinic.stock import services as stock
        from kapclinic.stock.models import StockForm, StorageLocation

        safe = StorageLocation.objects.create(clinic=s.clinic, name="Sweep safe")
        entry = stock.receive(
            s.clinic,
            s.nurse.user,
            location=safe,
            product="racemic_ketamine",
            form=StockForm.TROCHE,
            lot_number="SW-1",
            expiry=timezone.localdate() + datetime.timedelta(days=200),
            supplier="Wholesale",
            units=2,
            unit_mg=50,
            witnessed_by=s.prescriber.user,
            witness_password=PASSWORD,
        )
        balance = entry.lot.balances.get()
        (s.stock_discrepancy,) = stock.count(
            safe,
            s.nurse.user,
            {balance.pk: "90"},
            witness=s.world.one.staff["therapist"].user,
            witness_password=PASSWORD,
        )
        s.stock_lot, s.stock_location, s.stock_receipt = entry.lot, safe, entry
    return s


def calendar_scene(s):
    """An open slot at clinic 1 (in two days) and patient A's request for another, made once."""
    if not hasattr(s, "request_a"):
        from kapclinic.calendar.models import AppointmentRequest, OpenSlot

        day = timezone.localdate(timezone=s.clinic.tz) + datetime.timedelta(days=2)
        slots = [
            OpenSlot.objects.create(
                clinic=s.clinic,
                starts_at=datetime.datetime.combine(day, datetime.time(hour)).replace(
                    tzinfo=s.clinic.tz
                ),
                ends_at=datetime.datetime.combine(day, datetime.time(hour + 1)).replace(
                    tzinfo=s.clinic.tz
                ),
                published_by=s.prescriber.user,
            )
            for hour in (10, 14)
        ]
        s.slot_a, asked = slots
        # The scene as it stands: session_a is still open, so the service would refuse.
        s.request_a = AppointmentRequest.objects.create(
            course=s.course_a,
            kind=AppointmentRequest.Kind.INTEGRATION,
            slot=asked,
            starts_at=asked.starts_at,
            ends_at=asked.ends_at,
            note="Mornings are hard.",
            requested_by=s.patient_a.user,
        )
    return s


def request_a(s):
    return {"pk": calendar_scene(s).request_a.pk}


def asking(s):
    return {"slot": calendar_scene(s).slot_a.pk, "note": "After work, please."}


def calendar_feed_token(s):
    """Prescriber 1's live calendar feed address, made once per scene."""
    if not hasattr(s, "feed_token"):
        from kapclinic.calendar.feeds import create_feed

        _, s.feed_token = create_feed(s.prescriber, by=s.prescriber.user)
    return s.feed_token


def series_scene(s):
    """Two weekly dosing sessions of patient A booked as a series, made once per scene."""
    if not hasattr(s, "series_a"):
        from kapclinic.calendar import series

        plan = series.plan_series(
            s.course_a,
            kind="dosing",
            first_starts_at=timezone.now().replace(microsecond=0) + datetime.timedelta(days=20),
            duration_minutes=120,
            every_days=7,
            count=2,
            clinician=s.nurse,
            resource=room(s.clinic, "Recliner B"),
        )
        s.series_a = series.book_series(plan, by=s.nurse.user)
        s.series_appointment_a = s.series_a.appointments.order_by("starts_at").first()
    return s


def series_booking(s):
    """A weekly pair of dosing sessions posted from the review step, ready to book."""
    day = timezone.localdate(timezone=s.clinic.tz) + datetime.timedelta(days=5)
    later = day + datetime.timedelta(days=7)
    return {
        **booking(s),
        "date": day.isoformat(),
        "resource": room(s.clinic, "Recliner A").pk,
        "kind": "dosing",
        "every_days": "7",
        "count": "2",
        "o1-date": day.isoformat(),
        "o1-start_time": "10:00",
        "o2-date": later.isoformat(),
        "o2-start_time": "10:00",
        "step": "book",
    }


def consent_signature_a(s):
    from intake.models import ConsentSignature

    return ConsentSignature.objects.filter(course=s.course_a).latest("signed_at")


def reevaluating(s):
    return {
        "decision": "maintenance",
        "rationale": "Responding.",
        "planned_dosing_sessions": "3",
        "dose_min_mg": "100",
        "dose_max_mg": "300",
        "integration_cadence": "Weekly",
    }


def closing(s):
    return {
        "effective_on": timezone.localdate(timezone=s.clinic.tz).isoformat(),
        "reason": "The patient moved away.",
    }


def local(s, moment):
    return timezone.localtime(moment, s.clinic.tz).strftime("%Y-%m-%dT%H:%M")


def booking(s):
    day = timezone.localdate(timezone=s.clinic.tz) + datetime.timedelta(days=3)
    return {
        "date": day.isoformat(),
        "start_time": "10:00",
        "duration_minutes": "150",
        "clinician": s.nurse.pk,
        "resource": room(s.clinic, "Dosing room 2").pk,
    }


def dose(s):
    return {
        "dose-product": "racemic_ketamine",
        "dose-route": "sublingual",
        "dose-amount_mg": "200",
        "dose-weight_kg": "70",
        "dose-lot_number": "LOT-42",
        "dose-lot_expiry": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        "dose-given_by": s.prescriber.user.pk,
        "dose-witnessed_by": s.nurse.user.pk,
    }


def adverse_event(s):
    return {
        "event-kind": "nausea",
        "event-onset_at": local(s, timezone.now()),
        "event-severity": "mild",
        "event-outcome": "resolved",
        "event-relatedness": "probable",
    }


def diagnosis_a(s):
    from kapclinic.clinic.models import Diagnosis

    diagnosis, _ = Diagnosis.objects.get_or_create(
        course=s.course_a,
        code="F33.1",
        defaults={"description": "MDD", "added_by": s.prescriber.user},
    )
    return {"pk": diagnosis.pk}


def fee_line_a(s):
    from kapclinic.billing.models import FeeLine

    line, _ = FeeLine.objects.get_or_create(
        appointment=s.appointment_a,
        code="99214",
        defaults={
            "patient": s.patient_a,
            "clinic": s.clinic,
            "service_date": timezone.localdate(),
            "system": "CPT",
            "description": "Office visit",
            "unit_fee": 200,
            "amount": 200,
            "recorded_by": s.prescriber.user,
        },
    )
    return {"pk": line.pk}


ALDRETE = {
    f"discharge-{name}": "2"
    for name in ("activity", "respiration", "circulation", "consciousness", "spo2")
}

ACCESS = {
    "home": Page(ANYONE, SIGNED_IN, notes="sends each person to their start page"),
    "keep-alive": Page(
        ANYONE, SIGNED_IN, {GET}, notes="pushes the idle expiry forward; opens no record"
    ),
    # --- clinic ------------------------------------------------------------------------------
    "clinic:caseload": Page(
        STAFF,
        EVERY_CLINIC | SUPER,
        data=lambda s: {"q": s.patient_a.legal_name, "stage": "in_treatment"},
        notes="the search is POSTed (no names in URLs): 303 to ?search=<session token>",
    ),
    "clinic:patient-chart": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": s.patient_a.pk}
    ),
    "clinic:resolve-flag": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=lambda s: {"pk": s.flag_a.pk},
        data=lambda s: {"action_taken": "Called the patient; safety plan agreed."},
    ),
    "clinic:my-journey": Page(PATIENT, PATIENTS, {GET}),
    # Diagnoses (issue 20): prescribers and therapists add; the nurse, admin and superuser
    # reach the page and are refused by the service (422).
    "clinic:diagnoses": Page(
        STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=lambda s: {"code": "F41.1"}
    ),
    "clinic:diagnosis-in-error": Page(
        STAFF, CLINIC_1 | SUPER, {POST}, kwargs=diagnosis_a, data=lambda s: {"reason": "Typo."}
    ),
    # The suicide-risk workflow (issue 15). Who may write is the services' rule (a form
    # error for the others): the unlicensed therapist, nurse, admin and superuser get 422.
    "clinic:risk-review": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": s.risk_flag_a.pk},
        data=lambda s: risk_review_data(),
    ),
    "clinic:psychiatric-review": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=lambda s: {"pk": s.review_a.pk},
        data=lambda s: {"findings": "Seen today.", "dosing_may_resume": "on"},
        notes="review_a needs none (moderate, referred): the service refuses, 302 with a message",
    ),
    "clinic:safety-plan": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=course_a,
        data=lambda s: {
            "warning_signs": "Not sleeping.",
            "coping_strategies": "Walks.",
            "people_and_places": "Library.",
            "people_to_ask": "My sister.",
            "professionals": "The clinic; 988.",
            "safer_environment": "Medicines locked away.",
            "written_with_patient": "on",
        },
    ),
    "clinic:my-safety-plan": Page(PATIENT, PATIENTS, {GET}, notes="always the patient's own"),
    "clinic:close-task": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=lambda s: {"pk": s.task_a.pk},
        data=lambda s: {"outcome": "Called back; safe at home."},
    ),
    # The medical director's signature on a protocol version: nobody else finds the page. Its
    # protocol is signed already, so even the director's POST is refused beside the form (422).
    "clinic:sign-protocol": Page(
        STAFF,
        {PRESCRIBER_1},
        kwargs=lambda s: {"pk": Protocol.objects.filter(clinic=s.clinic).first().pk},
        data=lambda s: {"version": 1, "password": PASSWORD},
    ),
    # Break-glass: any member of staff reaches the form; only a clinician of another clinic
    # gets access (clinic 1 sees patient A already, admins and the superuser are refused: 200).
    # Requests about a record: the clinic's list, and one request answered by a clinician.
    "clinic:record-requests": Page(STAFF, EVERY_CLINIC | SUPER, {GET}),
    "clinic:record-request": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": record_request_scene(s).record_request_a.pk},
        data=lambda s: {"outcome": "done", "answer": "Sent to you by post."},
        notes="the clinic admin and the superuser are refused by the service (422)",
    ),
    "clinic:emergency-access": Page(
        STAFF,
        EVERY_CLINIC | SUPER,
        data=lambda s: {
            "patient_number": s.patient_a.pk,
            "reason": "Brought in after a fall; need the current medication list.",
        },
    ),
    # --- intake ------------------------------------------------------------------------------
    "intake:invite": Page(
        STAFF,
        EVERY_CLINIC,
        data=lambda s: {
            "legal_name": "Robin Newcomer",
            "email": "robin@example.com",
            "indication": "depression",
            "care_team": [s.prescriber.pk],
        },
        notes="no ids: each clinic invites into its own; the superuser has no clinic (404)",
    ),
    "intake:resend-invitation": Page(
        STAFF, CLINIC_1 | SUPER, {POST}, kwargs=lambda s: {"pk": s.invited.pk}
    ),
    "intake:review": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": s.awaiting.pk},
        data=lambda s: {"action": "start-review"},
    ),
    "intake:plan": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=course_a,
        data=lambda s: {"reason": "Sweep", "dose_min_mg": "100", "dose_max_mg": "200"},
        notes="every staff member of the clinic reads it; only a prescriber signs a revision",
    ),
    "intake:accept": Page(
        PUBLIC,
        frozenset(ROLES),
        kwargs=lambda s: {"token": s.token},
        # A valid password would sign the sender in as the invited patient: the token is the
        # key, by design. Empty, so the link stays usable for every role.
        data=lambda s: {},
    ),
    "clinic:staff-welcome": Page(
        PUBLIC,
        frozenset(ROLES),
        kwargs=lambda s: {"uidb64": s.welcome_uid, "token": s.welcome_token},
        data=lambda s: {},
        notes="a new member of staff's invitation: no sign-in, the token is the key; its "
        "first answer moves the token out of the address (302), so no password is set here",
    ),
    # The wizard takes no ids: it always works on the signed-in patient's own course.
    "intake:start": Page(PATIENT, PATIENTS, {GET}),
    "intake:step": Page(
        PATIENT,
        PATIENTS,
        kwargs=lambda s: {"step": "about"},
        data=lambda s: intake_answers(s.patient_b)["about"],
    ),
    "intake:support": Page(PATIENT, PATIENTS, {GET}),
    "intake:check": Page(PATIENT, PATIENTS),
    # Consents: no id for the list (always the patient's own); the version in effect at the
    # patient's clinic may be signed by any of its patients; a signature is its owner's only.
    "intake:consents": Page(PATIENT, PATIENTS, {GET}),
    "intake:sign-consent": Page(
        PATIENT,
        PATIENTS,
        kwargs=lambda s: {"pk": consent_signature_a(s).document_id},
        data=lambda s: {"agreed": "on", "signed_name": s.patient_b.legal_name},
    ),
    "intake:withdraw-consent": Page(
        PATIENT,
        OWNER,
        kwargs=lambda s: {"pk": consent_signature_a(s).pk},
        data=lambda s: {"reason": "I need a break."},
    ),
    # --- reports -----------------------------------------------------------------------------
    "reports:assessment": Page(STAFF, CLINIC_1 | SUPER, {GET}, kwargs=course_a),
    "reports:session-note": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": s.session_a.pk}
    ),
    "reports:course-summary": Page(STAFF, CLINIC_1 | SUPER, {GET}, kwargs=course_a),
    "reports:signed-consent": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": consent_signature_a(s).pk}
    ),
    "reports:my-signed-consent": Page(
        PATIENT, OWNER, {GET}, kwargs=lambda s: {"pk": consent_signature_a(s).pk}
    ),
    "reports:fhir-export": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": s.patient_a.pk}
    ),
    # A patient's own copy of their record: no ids, always the signed-in patient's own.
    "reports:my-record": Page(PATIENT, PATIENTS, data=lambda s: {"kind": "notes"}),
    "reports:my-record-pdf": Page(PATIENT, PATIENTS, {GET}),
    "reports:my-record-fhir": Page(PATIENT, PATIENTS, {GET}),
    # Notes a clinician released to patient A: theirs alone (staff 403, patient B 404).
    "reports:my-notes-pdf": Page(
        PATIENT,
        OWNER,
        {GET},
        kwargs=lambda s: {"pk": released_notes_scene(s).released_notes_a.pk},
    ),
    # --- billing (issue 20): staff record fees and payments; a patient downloads their own ---
    "billing:patient": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": s.patient_a.pk},
        data=lambda s: {"appointment": s.appointment_a.pk, "code": "99214", "units": "1"},
        notes="the superuser holds no Provider: the service refuses the line (422)",
    ),
    "billing:superbill": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": s.patient_a.pk}
    ),
    "billing:mark-paid": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=fee_line_a,
        data=lambda s: {"paid_on": timezone.localdate().isoformat()},
    ),
    "billing:line-in-error": Page(
        STAFF, CLINIC_1 | SUPER, {POST}, kwargs=fee_line_a, data=lambda s: {"reason": "Twice."}
    ),
    "billing:my-superbill": Page(PATIENT, PATIENTS, {GET}),
    "billing:my-superbill-pdf": Page(PATIENT, PATIENTS, {GET}),
    # --- calendar feeds (issue 21): each clinician their own; the feed opens by its secret ---
    "calendar:my-feed": Page(
        STAFF,
        EVERY_CLINIC,
        data=lambda s: {"action": "create"},
        notes="no ids: always the signed-in clinician's own; the superuser holds no Provider (404)",
    ),
    "calendar:feed": Page(
        PUBLIC,
        frozenset(ROLES),
        {GET},
        kwargs=lambda s: {"token": calendar_feed_token(s)},
        notes="no sign-in: calendar apps fetch it; the secret in the address is the key",
    ),
    # --- controlled-substance register: nurses and prescribers record, clinic admins read;
    # therapists and superusers find nothing (404); each clinic sees its own register.
    "stock:register": Page(STAFF, STOCK_READERS, {GET}),
    "stock:inventory": Page(STAFF, STOCK_READERS, {GET}),
    "stock:discrepancies": Page(STAFF, STOCK_READERS, {GET}),
    "stock:lot": Page(
        STAFF,
        STOCK_READERS - {PRESCRIBER_2},
        {GET},
        kwargs=lambda s: {"pk": stock_scene(s).stock_lot.pk},
    ),
    "stock:reverse": Page(
        STAFF,
        STOCK_RECORDERS - {PRESCRIBER_2},
        kwargs=lambda s: {"pk": stock_scene(s).stock_receipt.pk},
    ),
    "stock:receive": Page(STAFF, STOCK_RECORDERS),
    "stock:transfer": Page(STAFF, STOCK_RECORDERS),
    "stock:waste": Page(STAFF, STOCK_RECORDERS),
    "stock:return": Page(STAFF, STOCK_RECORDERS),
    "stock:count": Page(
        STAFF,
        STOCK_RECORDERS - {PRESCRIBER_2},
        kwargs=lambda s: {"pk": stock_scene(s).stock_location.pk},
    ),
    "stock:resolve": Page(
        STAFF, {PRESCRIBER_1}, kwargs=lambda s: {"pk": stock_scene(s).stock_discrepancy.pk}
    ),
    "reports:stock-register": Page(STAFF, STOCK_READERS, {GET}, kwargs=lambda s: {"fmt": "csv"}),
    "reports:stock-inventory": Page(STAFF, STOCK_READERS, {GET}, kwargs=lambda s: {"fmt": "csv"}),
    # --- dosing: scheduling ------------------------------------------------------------------
    "dosing:day": Page(STAFF, EVERY_CLINIC | SUPER, {GET}),
    "dosing:book-session": Page(STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=booking),
    "dosing:appointment": Page(STAFF, CLINIC_1 | SUPER, {GET}, kwargs=appointment_a),
    "dosing:cancel-appointment": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=appointment_a,
        data=lambda s: {"cancel-reason": "The clinic closed for the day."},
    ),
    "dosing:record-no-show": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=appointment_a,
        data=lambda s: {"no_show-reason": "Did not attend."},
    ),
    # --- the calendar (issue 21): each clinic's own; booking and moving through the services --
    "calendar:week": Page(STAFF, EVERY_CLINIC | SUPER, {GET}, notes="each clinic's own"),
    "calendar:day": Page(STAFF, EVERY_CLINIC | SUPER, {GET}, notes="each clinic's own"),
    "calendar:book": Page(
        STAFF,
        EVERY_CLINIC | SUPER,
        data=lambda s: {**booking(s), "course": s.course_a.pk, "kind": "dosing"},
        notes="another clinic's course is not a choice: the form refuses it (200)",
    ),
    "calendar:move": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=appointment_a,
        data=lambda s: {**booking(s), "reason": "The patient asked for another day."},
    ),
    # --- calendar: recurring series (issue 21); anyone the page lets in books or cancels as
    # the booking services allow (the superuser too: booking checks staff or superuser).
    "calendar:book-series": Page(STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=series_booking),
    "calendar:series": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": series_scene(s).series_a.pk}
    ),
    "calendar:cancel-in-series": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": series_scene(s).series_appointment_a.pk},
        data=lambda s: {"scope": "rest", "reason": "The patient is moving away."},
    ),
    # --- dosing: the live session ------------------------------------------------------------
    "dosing:session": Page(STAFF, CLINIC_1 | SUPER, kwargs=appointment_a),
    "dosing:record-weight": Page(
        STAFF, CLINIC_1 | SUPER, {POST}, session_a, lambda s: {"weight-weight_kg": "70.0"}
    ),
    "dosing:confirm-companion": Page(
        STAFF, CLINIC_1 | SUPER, {POST}, session_a, lambda s: {"companion-confirmed": "on"}
    ),
    "dosing:record-identity-check": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        session_a,
        lambda s: {
            "identity-first_identifier": "full_name",
            "identity-second_identifier": "date_of_birth",
            "identity-consents_today": "yes",
        },
    ),
    "dosing:override-gate": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        session_a,
        lambda s: {"override-reason": "Prescriber reviewed the check-in by phone."},
    ),
    "dosing:record-dose": Page(STAFF, CLINIC_1 | SUPER, {POST}, session_a, dose),
    "dosing:record-vitals": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        session_a,
        lambda s: {
            "vitals-systolic": "124",
            "vitals-diastolic": "82",
            "vitals-heart_rate": "74",
            "vitals-spo2": "98",
        },
    ),
    "dosing:record-observation": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        session_a,
        lambda s: {"observation-moaas": "5", "observation-dissociation": "mild"},
    ),
    "dosing:record-adverse-event": Page(STAFF, CLINIC_1 | SUPER, {POST}, session_a, adverse_event),
    "dosing:acknowledge-alert": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=lambda s: {"pk": s.session_a.pk, "alert_pk": s.alert_a.pk},
        data=lambda s: {f"alert-{s.alert_a.pk}-action_taken": "Rechecked: 138/86."},
    ),
    "dosing:mark-entered-in-error": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=lambda s: {"pk": s.session_a.pk, "kind": "adverse-event", "entry_pk": s.event_a.pk},
        data=lambda s: {f"error-adverse-event-{s.event_a.pk}-reason": "Recorded for B."},
    ),
    "dosing:discharge": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        session_a,
        lambda s: {
            **ALDRETE,
            "discharge-companion_present": "on",
            "discharge-aftercare_given": "on",
        },
    ),
    "dosing:sign-session": Page(STAFF, CLINIC_1 | SUPER, {POST}, session_a, lambda s: {}),
    "dosing:add-addendum": Page(
        STAFF, CLINIC_1 | SUPER, {POST}, session_a, lambda s: {"addendum-text": "Late entry."}
    ),
    # --- dosing: the patient's check-in, owner only ------------------------------------------
    "dosing:check-in": Page(PATIENT, OWNER, {GET}, kwargs=appointment_a),
    "dosing:check-in-review": Page(PATIENT, OWNER, kwargs=appointment_a),
    "dosing:check-in-support": Page(PATIENT, OWNER, {GET}, kwargs=appointment_a),
    "dosing:check-in-done": Page(PATIENT, OWNER, {GET}, kwargs=appointment_a),
    "dosing:check-in-step": Page(
        PATIENT,
        OWNER,
        kwargs=lambda s: {**appointment_a(s), "step": "since-last-visit"},
        data=lambda s: {
            "new_medications": "none",
            "new_substances": "none",
            "possibly_pregnant": "no",
        },
    ),
    # --- integration: the clinician's pages (issue 6) -----------------------------------------
    # The dashboard takes no ids: each clinic sees its own; the superuser picks a clinic.
    "integration:dashboard": Page(STAFF, EVERY_CLINIC | SUPER, {GET}),
    "integration:sessions": Page(STAFF, CLINIC_1 | SUPER, {GET}, kwargs=course_a),
    # session_a is still open, so the booking page refuses politely (200) for those allowed.
    "integration:book-session": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=session_a,
        data=lambda s: {**booking(s), "clinician": s.world.one.staff["therapist"].pk},
    ),
    # Nurse, clinic admin and superuser reach the note but the service refuses them (200).
    "integration:note": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=integration_a,
        data=lambda s: {"note-patient_account": "Felt calmer.", "intent": "save"},
    ),
    "integration:add-note-addendum": Page(
        STAFF,
        CLINIC_1 | SUPER,
        {POST},
        kwargs=lambda s: {"pk": s.note_a.pk},
        data=lambda s: {"addendum-text": "Late entry."},
    ),
    "integration:outcomes": Page(STAFF, CLINIC_1 | SUPER, {GET}, kwargs=course_a),
    # course_a is cleared, not dosing: the page says so, and a POST is refused beside the form.
    "integration:begin-integration": Page(
        STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=lambda s: {"reason": "Dosing done."}
    ),
    # course_a is cleared, not in a block of dosing: a prescriber's decision is refused (422).
    "integration:reevaluation": Page(STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=reevaluating),
    "integration:complete": Page(STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=closing),
    "integration:discontinue": Page(STAFF, CLINIC_1 | SUPER, kwargs=course_a, data=closing),
    # --- integration: the patient's journal and follow-up questionnaires ----------------------
    # The journal takes no ids: it is always the signed-in patient's own. Entries and
    # questionnaire requests are the owner's only; another patient is told they are not there.
    "integration:journal": Page(PATIENT, PATIENTS, data=lambda s: {"body": "A calm week."}),
    "integration:journal-entry": Page(PATIENT, OWNER, {GET}, kwargs=entry_a),
    "integration:share-entry": Page(PATIENT, OWNER, {POST}, kwargs=entry_a, data=lambda s: {}),
    "integration:unshare-entry": Page(PATIENT, OWNER, {POST}, kwargs=entry_a, data=lambda s: {}),
    "integration:measure": Page(
        PATIENT, OWNER, kwargs=measure_a, data=lambda s: {f"q{i}": "0" for i in range(1, 10)}
    ),
    "integration:measure-done": Page(PATIENT, OWNER, {GET}, kwargs=measure_a),
    # --- Spravato REMS (issue 17): staff of the clinic; who may write is the services' rule
    # (enrolment: prescribers; submission: prescribers, nurses, clinic admins), a form error
    # (422) for the others.
    "rems:overview": Page(STAFF, EVERY_CLINIC | SUPER, {GET}, notes="each clinic's own"),
    "rems:enrolment": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": s.patient_a.pk},
        data=lambda s: {
            "enrolment_id": "PT-1",
            "enrolled_on": timezone.localdate().isoformat(),
            "patient_signed_on": timezone.localdate().isoformat(),
        },
    ),
    "rems:monitoring-form": Page(
        STAFF,
        CLINIC_1 | SUPER,
        kwargs=lambda s: {"pk": s.rems_form_a.pk},
        data=lambda s: {"submitted_on": timezone.localdate(timezone=s.clinic.tz).isoformat()},
    ),
    "reports:rems-monitoring-form": Page(
        STAFF, CLINIC_1 | SUPER, {GET}, kwargs=lambda s: {"pk": s.rems_form_a.pk}
    ),
    # --- calendar (issue 21): patients ask for a time; the clinic's staff answer and publish
    # slots. The superuser holds no clinic: no slots to publish (404), and the services refuse
    # them an answer (422).
    "calendar:ask": Page(PATIENT, PATIENTS, data=asking, notes="always the patient's own course"),
    "calendar:ask-to-move": Page(
        PATIENT, OWNER, kwargs=lambda s: {"pk": s.integration_a.pk}, data=asking
    ),
    "calendar:withdraw-request": Page(PATIENT, OWNER, {POST}, kwargs=request_a),
    "calendar:answer-offer": Page(
        PATIENT, OWNER, {POST}, kwargs=request_a, data=lambda s: {"answer": "decline"}
    ),
    "calendar:requests": Page(STAFF, EVERY_CLINIC | SUPER, {GET}, notes="each clinic's own"),
    "calendar:request": Page(
        STAFF, CLINIC_1 | SUPER, kwargs=request_a, data=lambda s: {"action": "accept"}
    ),
    "calendar:slots": Page(
        STAFF,
        EVERY_CLINIC,
        data=lambda s: {
            "date": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
            "times": "09:00, 11:00",
            "duration_minutes": "60",
        },
        notes="no ids: each clinic publishes its own",
    ),
    "calendar:unpublish-slot": Page(
        STAFF, CLINIC_1, {POST}, kwargs=lambda s: {"pk": calendar_scene(s).slot_a.pk}
    ),
    # --- audit: the patient's own "Who viewed my record"; no id, always their own record ---
    "audit:who-viewed": Page(PATIENT, PATIENTS, {GET}),
    # --- Reminders -------------------------------------------------------------------------
    # A patient's own reminder settings: no id in the URL, always the signed-in patient's.
    "reminders:preferences": Page(
        PATIENT, PATIENTS, data=lambda s: {"quiet_start": "21:00", "quiet_end": "08:00"}
    ),
}


def project_urls(patterns=None, prefix="", namespace=""):
    """(name, route) of every pattern outside EXCLUDED, from the resolver itself."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route in EXCLUDED:
                continue
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from project_urls(pattern.url_patterns, route, inner)
        else:
            name = pattern.name and ":".join(filter(None, [namespace, pattern.name]))
            yield name or f"<unnamed {route}>", route


URLS = dict(project_urls())

# What a role should get, besides a status code.
LOGIN, REACH = "sent to sign in", "reaches the page"
REACHED = {200, 302, 303, 400, 422}


def expected(page, role, method):
    if role in page.allowed:
        return REACH if method in page.methods else 405
    if role == ANONYMOUS:
        return LOGIN
    side = PATIENT if role in PATIENT_ROLES else STAFF
    if side != page.side:
        return 403
    return 404 if method in page.methods else 405


def verdict(outcome, response):
    """None when the response is what `outcome` says, else what went wrong."""
    status = response.status_code
    location = response.get("Location", "")
    if outcome == LOGIN:
        ok = status == 302 and location.startswith(reverse("account_login"))
    elif outcome == REACH:
        bounced = location.startswith((reverse("account_login"), reverse("mfa_activate_totp")))
        ok = status in REACHED and not bounced
    else:
        ok = status == outcome
    return None if ok else f"{status} {location}".strip()


def sweep(clients, url, page, roles, data):
    failures = []
    for role in roles:
        for method in (GET, POST):
            outcome = expected(page, role, method)
            client = clients[role]
            CHECKED.append((url, role, method))
            try:
                response = client.post(url, data) if method == POST else client.get(url)
            except Exception as error:  # a 500: report it beside the others
                failures.append(f"{method} as {role}: expected {outcome}, raised {error!r}")
                continue
            if (problem := verdict(outcome, response)) is not None:
                failures.append(f"{method} as {role}: expected {outcome}, got {problem}")
    return failures


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_answers_each_role_as_the_table_says(name, scene, clients):
    page = ACCESS.get(name)
    if page is None:
        pytest.fail(
            f"{name} ({URLS[name]}) is not in ACCESS: add a row saying who may reach it, "
            "or list its include in EXCLUDED with a reason."
        )
    url = reverse(name, kwargs=page.kwargs(scene) if page.kwargs else None)
    data = page.data(scene) if page.data else {}
    refused = [role for role in ROLES if role not in page.allowed]
    before = snapshot()
    failures = sweep(clients, url, page, refused, data)
    failures += [f"a refused request changed the record: {c}" for c in changes(before, snapshot())]
    failures += sweep(clients, url, page, [r for r in ROLES if r in page.allowed], data)
    assert not failures, f"{name} {url}\n  " + "\n  ".join(failures)


def test_the_table_names_only_urls_that_exist():
    stale = sorted(set(ACCESS) - set(URLS))
    assert not stale, f"ACCESS rows for URLs the project no longer defines: {stale}"


def test_the_sweep_covers_every_url_role_and_method():
    missing = sorted(set(URLS) - set(ACCESS))
    assert not missing, f"URLs with no row in ACCESS: {missing}"
    total = len(URLS) * len(ROLES) * 2
    print(f"\nURL sweep: {len(URLS)} URLs × {len(ROLES)} roles × 2 methods = {total} requests")
    assert total == 2196, "update this count when URLs or roles are added"
