"""factory_boy factories for the shared models."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from kapclinic.clinic.models import (
    Appointment,
    Clinic,
    Indication,
    Patient,
    Product,
    Protocol,
    Provider,
    Resource,
    Role,
    Route,
    SafetyFlag,
    TreatmentCourse,
    User,
)
from kapclinic.clinic.protocol_signing import sign_off

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Europe/London"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.PRESCRIBER
    credentials = "MD"

    @factory.post_generation
    def directs_clinic(obj, create, extracted, **kwargs):
        """A clinic's first prescriber is its medical director and has signed off its
        sublingual protocol, as in a clinic that is set up (directs_clinic=False: not)."""
        if not create or extracted is False or obj.role != Role.PRESCRIBER:
            return
        if Provider.objects.filter(clinic=obj.clinic, is_medical_director=True).exists():
            return
        obj.is_medical_director = True
        obj.save(update_fields=["is_medical_director"])
        if not Protocol.objects.filter(clinic=obj.clinic).exists():
            signed_protocol(obj.clinic, is_default=True)


def medical_director(clinic):
    """The clinic's medical director, appointed (a new prescriber) if it has none."""
    director = Provider.objects.filter(clinic=clinic, is_medical_director=True).first()
    return director or ProviderFactory(clinic=clinic, role=Role.PRESCRIBER)


def signed_protocol(clinic, route=Route.SUBLINGUAL, product=Product.RACEMIC_KETAMINE, **values):
    """The clinic's protocol in force for a route and product, with `values` changed.

    Starts from the reference values when the clinic has none for the route; the medical
    director signs off the result with their password (a change lapses the earlier sign-off).
    """
    protocol = Protocol.objects.filter(
        clinic=clinic, route=route, product=product, active=True
    ).first() or Protocol.from_reference(clinic, route, product)
    protocol.active = True
    for name, value in values.items():
        setattr(protocol, name, value)
    protocol.save()
    if protocol.signed_off_by_id:
        return protocol  # nothing clinical changed: the director's signature stands
    return sign_off(protocol, medical_director(clinic).user, password=PASSWORD)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(UserFactory)
    legal_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda p: p.user.email if p.user else f"{id(p)}@example.com")
    date_of_birth = date(1985, 6, 15)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentCourse

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.LazyAttribute(lambda c: c.patient.clinic)
    indication = Indication.DEPRESSION


def first_free_start(course, earliest):
    """`earliest`, or the end of the patient's last live appointment if that is later: the
    database keeps a patient in one place at a time, so default times must not overlap."""
    last = (
        Appointment.objects.live()
        .filter(patient_id=course.patient_id, ends_at__gt=earliest)
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    return last or earliest


class ResourceFactory(factory.django.DjangoModelFactory):
    """A dosing room of its own, so two tests' appointments never share one by chance."""

    class Meta:
        model = Resource

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Dosing room {n + 1}")
    kind = Resource.Kind.DOSING_ROOM


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    course = factory.SubFactory(CourseFactory)
    kind = Appointment.Kind.DOSING
    starts_at = factory.LazyAttribute(
        lambda a: first_free_start(a.course, timezone.now() + timedelta(days=2))
    )
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + timedelta(hours=2))


def appointment_admin_form(appointment, **changes):
    """The appointment admin's change form as a browser sends it, with `changes`."""
    starts, ends = (timezone.localtime(t) for t in (appointment.starts_at, appointment.ends_at))
    data = {
        "course": appointment.course_id,
        "kind": appointment.kind,
        "starts_at_0": f"{starts:%Y-%m-%d}",
        "starts_at_1": f"{starts:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
        "clinician": appointment.clinician_id or "",
        "resource": appointment.resource_id or "",
        "status": appointment.status,
        "status_reason": appointment.status_reason,
    }
    return {**data, **changes}


class SafetyFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyFlag

    course = factory.SubFactory(CourseFactory)
    source = "Intake PHQ-9 item 9"
    reason = "Item 9 answered above zero."
