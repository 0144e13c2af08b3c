"""Spravato REMS: no esketamine booked or given without the clinic's certification and the
patient's enrolment, and no override opens that gate."""

import datetime

import pytest
from django.utils import timezone

from kapclinic.clinic.models import JourneyError, Product, Role, Route
from kapclinic.demo.builder import clear_course, room
from kapclinic.rems.models import Certification
from sessions import booking
from sessions.gate import evaluate_gate, failing
from sessions.gate_overrides import override_gate
from sessions.models import DosingError
from tests.factories import first_free_start, signed_protocol

from .conftest import ESKETAMINE_PLAN, certify, enrol

pytestmark = pytest.mark.django_db


def book(side, course):
    starts = first_free_start(course, timezone.now() + datetime.timedelta(days=2))
    return booking.book_dosing_session(
        course,
        by=side.staff[Role.NURSE].user,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2, minutes=30),
        clinician=side.staff[Role.NURSE],
        resource=room(course.clinic),
    )


@pytest.fixture
def esketamine_course(world):
    side = world.one
    course = side.courses[0]
    # Its observation time is the length a booking must hold (sessions/session_length.py).
    signed_protocol(side.clinic, Route.INTRANASAL, Product.ESKETAMINE)
    clear_course(course, side.staff[Role.PRESCRIBER].user, **ESKETAMINE_PLAN)
    return side, course


def test_no_esketamine_booking_without_certification_or_enrolment(esketamine_course):
    side, course = esketamine_course
    with pytest.raises(JourneyError) as refused:
        book(side, course)
    message = str(refused.value)
    assert "no Spravato REMS healthcare-setting certification" in message
    assert "the patient has no Spravato REMS enrolment" in message

    certify(course.clinic)
    with pytest.raises(JourneyError, match="no Spravato REMS enrolment") as refused:
        book(side, course)
    assert "certification" not in str(refused.value)

    enrol(course.patient, side.staff[Role.PRESCRIBER].user)
    assert book(side, course).pk


def test_an_enrolled_patient_cannot_be_booked_at_an_uncertified_clinic(esketamine_course):
    side, course = esketamine_course
    enrol(course.patient, side.staff[Role.PRESCRIBER].user)
    with pytest.raises(JourneyError, match="no Spravato REMS healthcare-setting certification"):
        book(side, course)


def test_a_lapsed_certification_stops_esketamine_bookings(esketamine_course):
    side, course = esketamine_course
    certification = certify(course.clinic)
    enrol(course.patient, side.staff[Role.PRESCRIBER].user)
    Certification.objects.filter(pk=certification.pk).update(
        active=False, ended_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(JourneyError, match="certification"):
        book(side, course)


def test_racemic_ketamine_is_booked_without_rems_records(world):
    side = world.one
    course = side.courses[0]
    clear_course(course, side.staff[Role.PRESCRIBER].user)  # sublingual racemic ketamine
    assert book(side, course).pk


def test_the_gate_holds_esketamine_without_rems_records_and_no_override_opens_it(esketamine):
    session = esketamine()
    item = next(item for item in evaluate_gate(session) if item.key == "rems")
    assert not item.passed and not item.overridable
    assert [i.key for i in failing(evaluate_gate(session))] == ["rems"]
    with pytest.raises(DosingError, match="cannot be overridden"):
        override_gate(session, esketamine.prescriber, "The patient is enrolled, trust me.")
    with pytest.raises(DosingError, match="Spravato REMS"):
        esketamine.dose(session)
    assert not session.administrations.exists()


def test_the_gate_passes_esketamine_with_rems_records(esketamine):
    esketamine.rems_records()
    session = esketamine()
    item = next(item for item in evaluate_gate(session) if item.key == "rems")
    assert item.passed
    dose = esketamine.dose(session)
    assert dose.device_count == 2


def test_an_esketamine_dose_under_a_racemic_plan_still_needs_rems(build_racemic):
    session = build_racemic()
    assert "rems" not in [item.key for item in evaluate_gate(session)]
    from kapclinic.clinic.models import Product, Route
    from tests.factories import signed_protocol

    signed_protocol(build_racemic.course.clinic, Route.INTRANASAL, Product.ESKETAMINE)
    with pytest.raises(DosingError, match="REMS-restricted"):
        build_racemic.dose(
            session,
            product=Product.ESKETAMINE,
            route=Route.INTRANASAL,
            amount_mg=56,
            device_count=2,
            out_of_range_reason="Switching to Spravato.",
        )
    assert not session.administrations.exists()


@pytest.fixture
def build_racemic(world):
    from kapclinic.demo.builder import Build

    return Build(world)
