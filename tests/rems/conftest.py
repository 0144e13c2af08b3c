"""An esketamine course: the clinic's intranasal protocol, a plan for it, and REMS records."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kapclinic.clinic.models import Product, Route
from kapclinic.rems.models import Certification, Enrolment
from tests.factories import signed_protocol
from tests.sessions.conftest import Build

ESKETAMINE_PLAN = {
    "route": Route.INTRANASAL,
    "product": Product.ESKETAMINE,
    "dose_min_mg": 56,
    "dose_max_mg": 84,
}


def certify(clinic, on=None):
    return Certification.objects.create(
        clinic=clinic,
        number="HCS-123456",
        authorised_representative="Dr Ada Reyes",
        certified_on=on or timezone.localdate() - datetime.timedelta(days=30),
    )


def enrol(patient, prescriber, on=None):
    on = on or timezone.localdate() - datetime.timedelta(days=10)
    return Enrolment.objects.create(
        patient=patient,
        clinic=patient.clinic,
        enrolment_id="PT-998877",
        enrolled_on=on,
        patient_signed_on=on,
        prescriber=prescriber,
    )


class EsketamineBuild(Build):
    def __init__(self, world):
        super().__init__(world)
        self.plan = ESKETAMINE_PLAN
        signed_protocol(self.course.clinic, Route.INTRANASAL, Product.ESKETAMINE)

    def rems_records(self):
        certify(self.course.clinic)
        enrol(self.course.patient, self.prescriber)

    def dose_data(self, **overrides):
        devices = overrides.pop("device_count", 2)
        return super().dose_data(
            product=Product.ESKETAMINE,
            route=Route.INTRANASAL,
            amount_mg=Decimal(28 * devices),
            device_count=devices,
            lot_number="SPR-0425",
            **overrides,
        )


@pytest.fixture
def esketamine(world):
    return EsketamineBuild(world)
