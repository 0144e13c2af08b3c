"""Which REMS certification covers "today" is a question of the clinic's day, not the server's."""

from datetime import timedelta

import pytest

from kapclinic.rems import services
from kapclinic.rems.models import Certification
from tests.clinic_day import move_to_another_day
from tests.factories import ClinicFactory, PatientFactory

pytestmark = pytest.mark.django_db


def certify(clinic, on, number):
    return Certification.objects.create(
        clinic=clinic, number=number, authorised_representative="Dr Ada Reyes", certified_on=on
    )


def test_the_certification_in_force_is_the_one_of_the_clinics_today():
    clinic = ClinicFactory()
    today = move_to_another_day(clinic)
    current = certify(clinic, today, "HCS-111111")
    Certification.objects.filter(pk=current.pk).update(active=False, ended_on=today + timedelta(1))
    certify(clinic, today + timedelta(days=1), "HCS-222222")  # the clinic's tomorrow
    assert services.certification_for(clinic) == current


def test_an_enrolment_is_looked_up_for_a_day_the_caller_names_never_the_servers():
    patient = PatientFactory()
    with pytest.raises(TypeError):
        services.enrolment_for(patient.pk)  # the server's date is not the clinic's
    assert services.enrolment_for(patient.pk, patient.clinic.today()) is None
