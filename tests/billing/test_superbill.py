"""Superbills: identifiers, fee schedule, fee lines and payments; the PDF holds the ICD-10 and
CPT codes and its totals are the sums of its lines; who may download whose; query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.billing import services
from kapclinic.billing.models import FeeLine, FeeScheduleItem
from kapclinic.clinic.models import Role
from kapclinic.clinic.npi import is_valid_npi
from tests.reports.pdf import pdf_text

from .conftest import VALID_NPI, visit

pytestmark = pytest.mark.django_db


# --- Identifiers -------------------------------------------------------------------------------


def test_npi_needs_ten_digits_and_the_luhn_check_digit(world):
    assert is_valid_npi(VALID_NPI)
    assert not is_valid_npi("1234567890")  # wrong check digit
    assert not is_valid_npi("123456789")  # nine digits
    assert not is_valid_npi("12345678 3")
    provider = world.one.staff[Role.PRESCRIBER]
    provider.npi = "1234567890"
    with pytest.raises(ValidationError) as raised:
        provider.full_clean()
    assert "npi" in raised.value.message_dict
    provider.npi = VALID_NPI
    provider.full_clean()


def test_clinic_tax_id_is_an_ein(world):
    clinic = world.one.clinic
    clinic.tax_id = "123456789"
    with pytest.raises(ValidationError):
        clinic.full_clean()
    clinic.tax_id = "12-3456789"
    clinic.full_clean()


# --- Fee schedule and lines ------------------------------------------------------------------


def test_a_clinic_changes_a_default_fee_and_withdraws_a_code(world):
    clinic = world.one.clinic
    assert services.fee_schedule(clinic)["90837"].fee == Decimal("210")
    FeeScheduleItem.objects.create(
        clinic=clinic, code="90837", description="Psychotherapy, 60 min", fee=Decimal("240")
    )
    FeeScheduleItem.objects.create(
        clinic=clinic, code="96372", description="Injection", fee=0, active=False
    )
    schedule = services.fee_schedule(clinic)
    assert schedule["90837"].fee == Decimal("240")
    assert "96372" not in schedule
    assert services.fee_schedule(world.two.clinic)["90837"].fee == Decimal("210")


def test_a_line_bills_units_times_the_clinic_fee_and_keeps_it(world):
    side = world.one
    appointment = visit(side.courses[0], side.staff[Role.PRESCRIBER], 3)
    admin = side.staff[Role.CLINIC_ADMIN].user
    line = services.record_fee_line(appointment, admin, "S0013", units=56)
    assert (line.unit_fee, line.amount, line.is_drug) == (Decimal("10"), Decimal("560"), True)
    assert line.provider == side.staff[Role.PRESCRIBER]
    FeeScheduleItem.objects.create(
        clinic=side.clinic, code="S0013", description="Esketamine 1 mg", fee=Decimal("12")
    )
    line.refresh_from_db()
    assert line.amount == Decimal("560")  # a later fee change does not rewrite the past


def test_only_the_clinics_staff_bill_a_visit_that_took_place(world):
    side = world.one
    appointment = visit(side.courses[0], side.staff[Role.PRESCRIBER], 3)
    with pytest.raises(services.BillingError):
        services.record_fee_line(appointment, world.two.staff[Role.CLINIC_ADMIN].user, "99214")
    with pytest.raises(services.BillingError):
        services.record_fee_line(appointment, side.patients[0].user, "99214")
    with pytest.raises(services.BillingError):
        services.record_fee_line(appointment, side.staff[Role.NURSE].user, "NOPE1")
    booked = visit(side.courses[0], side.staff[Role.NURSE], -3, status="booked")
    with pytest.raises(services.BillingError):
        services.record_fee_line(booked, side.staff[Role.NURSE].user, "99214")
    assert not FeeLine.objects.exists()


def test_paid_once_not_in_the_future_and_said_by_whom(billed):
    side, _, lines, wrong = billed
    admin = side.staff[Role.CLINIC_ADMIN].user
    with pytest.raises(services.BillingError):
        services.mark_paid(lines[0], admin, timezone.localdate())  # already paid
    tomorrow = timezone.localdate(timezone=side.clinic.tz) + datetime.timedelta(days=1)
    with pytest.raises(services.BillingError):
        services.mark_paid(lines[1], admin, tomorrow)
    with pytest.raises(services.BillingError):
        services.mark_paid(wrong, admin, timezone.localdate(timezone=side.clinic.tz))
    paid = FeeLine.objects.get(pk=lines[0].pk)
    assert paid.paid_recorded_by == admin
    assert AccessEvent.objects.filter(
        patient_id=paid.patient_id, what__startswith="fee line 90792 marked paid"
    ).exists()


# --- The superbill --------------------------------------------------------------------------


def test_superbill_totals_are_the_sums_of_its_lines(billed):
    side, course, lines, wrong = billed
    today = timezone.localdate(timezone=side.clinic.tz)
    bill = services.superbill(course.patient, today - datetime.timedelta(days=365), today)
    assert [line.pk for line in bill.lines] == [line.pk for line in lines]
    assert wrong.pk not in {line.pk for line in bill.lines}
    charged = sum(line.units * line.unit_fee for line in bill.lines)
    assert bill.totals["charged"] == charged == Decimal("450") + 200 + 200 + 120 + 210
    assert bill.totals["paid"] == Decimal("450")
    assert bill.totals["balance"] == charged - Decimal("450")
    assert [dx.code for dx in bill.diagnoses] == ["F33.1", "F41.1"]
    # A range that leaves out the evaluation leaves out its line and its amount.
    later = services.superbill(course.patient, today - datetime.timedelta(days=30), today)
    assert "90792" not in later.codes
    assert later.totals["charged"] == charged - Decimal("450")


def amounts(text):
    return [Decimal(v) for v in re.findall(r"(?<![\d.])\d+\.\d\d(?![\d])", text)]


def test_the_pdf_holds_the_codes_identifiers_and_totals_equal_to_its_lines(billed, client):
    side, course, lines, _ = billed
    patient = course.patient
    client.force_login(patient.user)
    today = timezone.localdate(timezone=side.clinic.tz)
    start = today - datetime.timedelta(days=365)
    response = client.get(
        reverse("billing:my-superbill-pdf"), {"start": start.isoformat(), "end": today.isoformat()}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert patient.legal_name not in response["Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content))
    for code in ("F33.1", "F41.1", "90792", "99214", "90838", "J3490", "90837"):
        assert code in text, code
    assert "F43.10" not in text and "90834" not in text  # nothing entered in error
    assert "12-3456789" in text and VALID_NPI in text and "MD-1234 (OR)" in text
    assert "Portland, OR 97201" in text
    services_part = text.split("Services", 1)[1]
    lines_part, totals_part = services_part.split("Total charges", 1)
    printed_amounts = [a for a in amounts(lines_part)]
    # Each line prints its fee and its amount; the amounts are every second figure.
    line_amounts = printed_amounts[1::2]
    assert line_amounts == [line.amount for line in lines]
    charged, paid, balance = amounts(totals_part)[:3]
    assert charged == sum(line_amounts)
    assert paid == lines[0].amount
    assert balance == charged - paid
    assert AccessEvent.objects.filter(
        actor=patient.user, patient_id=patient.pk, action="export", what__startswith="superbill"
    ).exists()


def test_staff_download_from_the_chart(billed, staff_client):
    side, course, _, _ = billed
    client = staff_client(side.staff[Role.NURSE])
    chart = client.get(reverse("clinic:patient-chart", args=[course.patient_id]))
    billing_url = reverse("billing:patient", args=[course.patient_id])
    assert billing_url.encode() in chart.content
    page = client.get(billing_url)
    assert page.status_code == 200
    assert b"F33.1" in page.content and b"J3490" in page.content
    response = client.get(reverse("billing:superbill", args=[course.patient_id]))
    assert response.status_code == 200
    assert "90792" in pdf_text(b"".join(response.streaming_content))


# --- Access ----------------------------------------------------------------------------------


def test_a_patient_gets_only_their_own_superbill(billed, client):
    side, course, _, _ = billed
    other = side.patients[1]
    client.force_login(other.user)
    response = client.get(reverse("billing:my-superbill-pdf"))
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content))
    assert course.patient.legal_name not in text and "90792" not in text
    assert "No billed visits" in text
    # The staff pages are not theirs at all.
    assert client.get(reverse("billing:superbill", args=[course.patient_id])).status_code == 403
    assert client.get(reverse("billing:patient", args=[course.patient_id])).status_code == 403


def test_another_clinics_staff_get_404_and_the_attempt_is_logged(billed, staff_client):
    side, course, lines, _ = billed
    client = staff_client(billed_world_other_admin(billed))
    for url in (
        reverse("billing:patient", args=[course.patient_id]),
        reverse("billing:superbill", args=[course.patient_id]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("billing:mark-paid", args=[lines[1].pk]), {"paid_on": "2026-01-01"}
    )
    assert response.status_code == 404
    assert FeeLine.objects.get(pk=lines[1].pk).paid_on is None
    assert AccessEvent.objects.filter(patient_id=course.patient_id, action="denied").count() == 3


def billed_world_other_admin(billed):
    side = billed[0]
    from kapclinic.clinic.models import Provider

    return Provider.objects.exclude(clinic=side.clinic).get(role=Role.CLINIC_ADMIN)


def test_bad_dates_are_refused_plainly(billed, client):
    _, course, _, _ = billed
    client.force_login(course.patient.user)
    response = client.get(
        reverse("billing:my-superbill"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert response.status_code == 422
    response = client.get(reverse("billing:my-superbill-pdf"), {"start": "nonsense"})
    assert response.status_code == 302


# --- Pages -----------------------------------------------------------------------------------


def test_staff_record_a_line_and_mark_it_paid_through_the_page(billed, staff_client):
    side, course, _, _ = billed
    client = staff_client(side.staff[Role.CLINIC_ADMIN])
    appointment = visit(course, side.staff[Role.PRESCRIBER], 2)
    url = reverse("billing:patient", args=[course.patient_id])
    response = client.post(url, {"appointment": appointment.pk, "code": "S0013", "units": "84"})
    assert response.status_code == 302
    line = FeeLine.objects.get(appointment=appointment)
    assert line.amount == Decimal("840")
    typed = client.post(url, {"appointment": appointment.pk, "code": "99999", "units": "1"})
    assert typed.status_code == 422  # only codes of the schedule
    today = timezone.localdate(timezone=side.clinic.tz).isoformat()
    client.post(reverse("billing:mark-paid", args=[line.pk]), {"paid_on": today})
    line.refresh_from_db()
    assert line.is_paid


def test_superbill_pages_take_a_bounded_number_of_queries(
    billed, second_client, staff_client, django_assert_max_num_queries
):
    side, course, _, _ = billed
    client = second_client  # the patient's phone; staff_client signs staff in on `client`
    client.force_login(course.patient.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:my-superbill"))
    assert response.status_code == 200 and b"J3490" in response.content
    staff = staff_client(side.staff[Role.CLINIC_ADMIN])
    url = reverse("billing:patient", args=[course.patient_id])
    with django_assert_max_num_queries(18):
        assert staff.get(url).status_code == 200
    for days in range(3, 9):  # more visits and lines: the same queries
        appointment = visit(course, side.staff[Role.PRESCRIBER], days)
        services.record_fee_line(appointment, side.staff[Role.CLINIC_ADMIN].user, "99214")
    with django_assert_max_num_queries(18):
        assert staff.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("billing:my-superbill")).status_code == 200
