"""The protocol in force is read with SQL built once per process: the row itself is read every
time, so a protocol signed, replaced or changed a moment ago counts at once."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict

from kapclinic.clinic.models import Protocol, Role
from kapclinic.clinic.protocol_signing import sign_off
from kapclinic.clinic.statements import _STATEMENTS
from tests.factories import PASSWORD, ClinicFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def signed_protocol(clinic, director, **values):
    protocol = Protocol.from_reference(clinic)
    protocol.active = True
    for name, value in values.items():
        setattr(protocol, name, value)
    protocol.save()
    return sign_off(protocol, director.user, password=PASSWORD)


def the_orm_read(clinic):
    return Protocol.objects.in_force(clinic).order_by("-is_default", "pk").first()


def test_the_protocol_in_force_is_the_orms_row_field_for_field(django_assert_num_queries):
    clinic = ClinicFactory()
    director = ProviderFactory(clinic=clinic, role=Role.PRESCRIBER, is_medical_director=True)
    protocol = signed_protocol(clinic, director)
    Protocol.objects.effective_for(clinic)  # the first read builds the statement
    assert any(key[0] == "protocol in force" for key in _STATEMENTS)
    assert _STATEMENTS[next(k for k in _STATEMENTS if k[0] == "protocol in force")] is not None
    with django_assert_num_queries(1):
        read = Protocol.objects.effective_for(clinic)
    assert read == protocol
    assert model_to_dict(read) == model_to_dict(the_orm_read(clinic))
    assert read.signed_off_on == protocol.signed_off_on


def test_a_change_a_new_protocol_or_another_clinic_counts_at_once():
    clinic, other = ClinicFactory(), ClinicFactory()
    director = ProviderFactory(clinic=clinic, role=Role.PRESCRIBER, is_medical_director=True)
    assert Protocol.objects.effective_for(clinic) is None
    first = signed_protocol(clinic, director)
    assert Protocol.objects.effective_for(clinic) == first
    assert Protocol.objects.effective_for(other) is None  # never the other clinic's row

    Protocol.objects.filter(pk=first.pk).update(
        planned_dosing_sessions=first.planned_dosing_sessions + 1
    )
    assert Protocol.objects.effective_for(clinic).planned_dosing_sessions == (
        first.planned_dosing_sessions + 1
    )

    Protocol.objects.filter(pk=first.pk).update(signed_off_on=first.signed_off_on + timedelta(1))
    assert Protocol.objects.effective_for(clinic) is None  # signed off for tomorrow: not yet
