"""Recording doses: units, products, lots, witnesses, the protocol range and the course."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import CourseState, Product, Role, Route
from sessions import services
from sessions.models import Administration, DosingError
from tests.factories import signed_protocol
from tests.rems.conftest import certify, enrol

pytestmark = pytest.mark.django_db


def test_mg_per_kg_is_the_dose_over_the_weight():
    assert Administration(amount_mg=Decimal("35"), weight_kg=Decimal("70")).mg_per_kg == Decimal(
        "0.500"
    )
    assert Administration(amount_mg=Decimal("40"), weight_kg=Decimal("82.5")).mg_per_kg == Decimal(
        "0.485"
    )
    assert Administration(amount_mg=Decimal("40")).mg_per_kg is None


def test_first_dose_moves_the_course_into_treatment(ready):
    dose = ready.dose()
    assert dose.weight_kg == Decimal("70.0")  # the session's baseline weight
    assert dose.given_by == ready.prescriber and dose.recorded_by == ready.prescriber
    ready.course.refresh_from_db()
    assert ready.course.state == CourseState.IN_TREATMENT
    assert ready.course.events.filter(to_state=CourseState.IN_TREATMENT).count() == 1
    assert AccessEvent.objects.filter(what__contains=f"dose {dose.pk} recorded").exists()


def test_a_nurse_cannot_give_the_courses_first_dose_but_may_give_later_ones(ready):
    with pytest.raises(DosingError, match="prescriber must record it"):
        ready.dose(by=ready.nurse, witnessed_by=ready.therapist)
    ready.course.start_treatment(ready.prescriber)
    dose = ready.dose(by=ready.nurse, witnessed_by=ready.therapist)
    assert dose.given_by == ready.nurse


def test_a_therapist_cannot_record_a_dose(ready):
    with pytest.raises(DosingError, match="Only a nurse or prescriber"):
        ready.dose(by=ready.therapist)


def test_staff_of_another_clinic_cannot_record_a_dose(ready, world):
    with pytest.raises(DosingError, match="of this clinic"):
        ready.dose(by=world.two.staff[Role.PRESCRIBER].user)


def test_a_witness_from_another_clinic_is_refused(ready, world):
    with pytest.raises(DosingError, match="witness"):
        ready.dose(witnessed_by=world.two.staff[Role.NURSE].user)


def test_the_witness_must_be_someone_else(ready):
    with pytest.raises(ValidationError) as error:
        ready.dose(witnessed_by=ready.prescriber)
    assert "witnessed_by" in error.value.message_dict


def administration_row(ready, **dose):
    """A dose row written straight to the database, past the service's checks."""
    return Administration.objects.create(
        session=ready.session,
        **{
            **ready.dose_data(**dose),
            "weight_kg": Decimal(70),
            "given_by": ready.prescriber,
            "recorded_by": ready.prescriber,
        },
    )


def test_database_refuses_a_self_witnessed_dose(ready):
    with pytest.raises(IntegrityError), transaction.atomic():
        administration_row(ready, witnessed_by=ready.prescriber)


def test_dose_above_the_range_needs_a_reason(build):
    signed_protocol(build.course.clinic, max_session_total=500)
    ready = build
    build()
    with pytest.raises(
        ValidationError, match="This dose is 450 mg, above the plan's range of 100–400 mg"
    ):
        ready.dose(amount_mg=Decimal("450"))
    dose = ready.dose(amount_mg=Decimal("450"), out_of_range_reason="Tolerance at 400 mg.")
    assert dose.out_of_range_reason == "Tolerance at 400 mg."
    assert dose.outside_plan.startswith("This dose is 450 mg")
    assert AccessEvent.objects.filter(what__contains="outside the plan").exists()


def test_dose_below_the_range_needs_a_reason(ready):
    with pytest.raises(ValidationError, match="below the plan's range"):
        ready.dose(amount_mg=Decimal("50"))


def test_a_booster_is_judged_by_the_session_total(build):
    signed_protocol(build.course.clinic, max_session_total=500)
    ready = build
    build()
    ready.dose(amount_mg=Decimal("300"))
    booster_at = ready.dose_at + timedelta(minutes=30)
    ready.vitals(ready.session, booster_at - timedelta(minutes=5))  # since the first dose
    with pytest.raises(ValidationError, match="session total would be 450 mg"):
        ready.dose(amount_mg=Decimal("150"), given_at=booster_at)
    ready.dose(amount_mg=Decimal("100"), given_at=booster_at)
    assert ready.session.administrations.count() == 2


def test_mg_per_kg_protocol_judges_the_dose_per_kg(build):
    signed_protocol(build.course.clinic, Route.IV)
    build.plan = {"route": Route.IV, "dose_min_mg": Decimal("0.1"), "dose_max_mg": Decimal("0.7")}
    build()
    iv = {"route": Route.IV, "infusion_minutes": 40}
    with pytest.raises(
        ValidationError,
        match=r"0\.900 mg/kg \(63 mg for 70 kg\), above the plan's range of 0\.1–0\.7 mg/kg",
    ):
        build.dose(amount_mg=Decimal("63"), **iv)
    dose = build.dose(amount_mg=Decimal("35"), **iv)
    assert dose.mg_per_kg == Decimal("0.500")


def test_an_iv_dose_needs_the_infusion_duration(ready):
    with pytest.raises(ValidationError) as error:
        ready.dose(route=Route.IV)
    assert "infusion duration" in error.value.message_dict["infusion_minutes"][0]


def test_database_refuses_an_iv_dose_without_duration(ready):
    with pytest.raises(IntegrityError), transaction.atomic():
        administration_row(ready, route=Route.IV)


def test_spravato_is_28_mg_per_device(build):
    signed_protocol(build.course.clinic, Route.INTRANASAL, Product.ESKETAMINE)
    build.plan = {
        "route": Route.INTRANASAL,
        "product": Product.ESKETAMINE,
        "dose_min_mg": 56,
        "dose_max_mg": 84,
    }
    certify(build.course.clinic)  # esketamine needs the clinic's and patient's REMS records
    enrol(build.course.patient, build.prescriber)
    build()
    spravato = {"product": Product.ESKETAMINE, "route": Route.INTRANASAL}
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("56"), **spravato)
    assert "number of devices" in error.value.message_dict["device_count"][0]
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("60"), device_count=2, **spravato)
    assert "deliver 56 mg" in error.value.message_dict["amount_mg"][0]
    dose = build.dose(amount_mg=Decimal("56"), device_count=2, **spravato)
    assert dose.device_count == 2


def test_an_expired_lot_is_refused(ready):
    yesterday = timezone.localdate(ready.dose_at) - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        ready.dose(lot_expiry=yesterday)
    assert "expired" in error.value.message_dict["lot_expiry"][0]
    ready.dose(lot_expiry=timezone.localdate(ready.dose_at))  # good through its expiry day


def test_a_dose_before_the_session_started_is_refused(ready):
    with pytest.raises(ValidationError) as error:
        ready.dose(given_at=ready.start - timedelta(minutes=1))
    assert "before the session started" in error.value.message_dict["given_at"][0]


def test_amount_and_weight_must_be_physiological(ready):
    with pytest.raises(ValidationError) as error:
        ready.dose(amount_mg=Decimal("0"), weight_kg=Decimal("700"))
    assert {"amount_mg", "weight_kg"} <= set(error.value.message_dict)


def test_missing_dose_details_come_back_as_field_errors(ready):
    with pytest.raises(ValidationError) as error:
        services.record_dose(ready.session, ready.prescriber, {"given_at": ready.dose_at})
    assert {"product", "route", "amount_mg", "lot_number", "lot_expiry", "witnessed_by"} <= set(
        error.value.message_dict
    )
