"""Object-level access: staff see their clinic, patients see themselves, others get 404."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Patient, Role, SafetyFlag, TreatmentCourse
from tests.factories import AppointmentFactory, ProviderFactory, SafetyFlagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.THERAPIST, Role.NURSE, Role.CLINIC_ADMIN])
def test_staff_see_only_their_own_clinics_patients(world, role):
    user = world.one.staff[role].user
    visible = set(Patient.objects.visible_to(user))
    assert visible == set(world.one.patients)
    assert set(TreatmentCourse.objects.visible_to(user)) == set(world.one.courses)


def test_patient_sees_only_their_own_record(world):
    patient_a, patient_b = world.one.patients
    assert list(Patient.objects.visible_to(patient_a.user)) == [patient_a]
    assert list(TreatmentCourse.objects.visible_to(patient_a.user)) == [world.one.courses[0]]
    assert patient_b not in Patient.objects.visible_to(patient_a.user)


def test_appointments_and_flags_follow_the_same_scope(world):
    own = AppointmentFactory(course=world.one.courses[0])
    other = AppointmentFactory(course=world.two.courses[0])
    prescriber = world.one.staff[Role.PRESCRIBER].user
    assert list(Appointment.objects.visible_to(prescriber)) == [own]
    assert list(Appointment.objects.visible_to(world.one.patients[1].user)) == []
    assert other not in Appointment.objects.visible_to(world.one.patients[0].user)

    flag = SafetyFlagFactory(course=world.one.courses[0])
    SafetyFlagFactory(course=world.two.courses[0])
    assert list(SafetyFlag.objects.visible_to(prescriber)) == [flag]
    # Flags are clinical working notes: not shown to patients, even their own.
    assert list(SafetyFlag.objects.visible_to(world.one.patients[0].user)) == []


def test_deactivated_provider_sees_nothing(world):
    provider = world.one.staff[Role.THERAPIST]
    provider.active = False
    provider.save()
    assert not Patient.objects.visible_to(provider.user).exists()


def test_user_without_a_role_sees_nothing(db):
    assert not Patient.objects.visible_to(UserFactory()).exists()


def test_superuser_sees_every_clinic(world, superuser):
    assert Patient.objects.visible_to(superuser).count() == 4


def test_chart_of_own_clinics_patient_opens(world, staff_client):
    client = staff_client(world.one.staff[Role.THERAPIST])
    patient = world.one.patients[0]
    response = client.get(reverse("clinic:patient-chart", args=[patient.pk]))
    assert response.status_code == 200
    assert patient.legal_name in response.content.decode()


def test_chart_of_another_clinics_patient_is_not_found(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    response = client.get(reverse("clinic:patient-chart", args=[world.two.patients[0].pk]))
    assert response.status_code == 404
    assert world.two.patients[0].legal_name not in response.content.decode()


def test_chart_of_unknown_patient_is_not_found(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    assert client.get(reverse("clinic:patient-chart", args=[999999])).status_code == 404


def test_patient_opening_a_clinician_page_is_refused(world, client):
    client.force_login(world.one.patients[0].user)
    for url in (
        reverse("clinic:caseload"),
        reverse("clinic:patient-chart", args=[world.one.patients[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "not available to you" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(world, client):
    for url in (
        reverse("clinic:caseload"),
        reverse("clinic:patient-chart", args=[world.one.patients[0].pk]),
        reverse("clinic:my-journey"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_staff_opening_the_patient_journey_page_is_refused(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    assert client.get(reverse("clinic:my-journey")).status_code == 403


def test_patient_sees_their_journey_and_next_step(world, client):
    patient = world.one.patients[0]
    client.force_login(patient.user)
    response = client.get(reverse("clinic:my-journey"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Start your intake" in body
    assert world.one.patients[1].legal_name not in body


def test_caseload_lists_own_clinic_only_and_flagged_first(world, staff_client):
    SafetyFlagFactory(course=world.one.courses[1])
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 200
    courses = list(response.context["courses"])
    assert courses[0] == world.one.courses[1]
    assert courses[0].open_flag_count == 1
    body = response.content.decode()
    assert world.two.patients[0].legal_name not in body


def test_caseload_search_filters_by_name(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    target = world.one.patients[0]
    searched = client.post(reverse("clinic:caseload"), {"q": target.legal_name})
    assert searched.status_code == 303
    response = client.get(searched["Location"])
    assert [c.patient for c in response.context["courses"]] == [target]


def test_caseload_htmx_search_returns_only_the_results_fragment(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    response = client.post(reverse("clinic:caseload"), {"q": "zzz"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="caseload-results"' in body
    assert "<html" not in body
    assert "No patients match" in body


def test_home_sends_each_person_to_their_page(world, client, enrol_mfa):
    client.force_login(world.one.patients[0].user)
    assert client.get("/")["Location"] == reverse("clinic:my-journey")
    prescriber = world.one.staff[Role.PRESCRIBER].user
    enrol_mfa(prescriber)
    client.force_login(prescriber)
    assert client.get("/")["Location"] == reverse("clinic:caseload")
    client.force_login(UserFactory())
    assert client.get("/").status_code == 403


def test_caseload_query_count_does_not_grow_with_patients(world, staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CourseFactory, PatientFactory

    client = staff_client(world.one.staff[Role.PRESCRIBER])

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("clinic:caseload")).status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # warm, as a running clinic's pages are
    small = count_queries()
    for _ in range(15):
        course = CourseFactory(patient=PatientFactory(clinic=world.one.clinic))
        AppointmentFactory(course=course)
        SafetyFlagFactory(course=course)
    assert count_queries() == small
    # the page's own reads and the session save; the session and the login come from Redis
    assert small <= 9


def test_provider_role_decides_admin_access_and_group(world):
    admin_user = world.one.staff[Role.CLINIC_ADMIN].user
    therapist_user = world.one.staff[Role.THERAPIST].user
    admin_user.refresh_from_db()
    therapist_user.refresh_from_db()
    assert admin_user.is_staff and not therapist_user.is_staff
    assert list(admin_user.groups.values_list("name", flat=True)) == ["Clinic admin"]
    assert list(therapist_user.groups.values_list("name", flat=True)) == ["Therapist"]


def test_new_provider_in_other_clinic_cannot_see_first_clinic(world):
    newcomer = ProviderFactory(clinic=world.two.clinic, role=Role.PRESCRIBER)
    assert set(Patient.objects.visible_to(newcomer.user)) == set(world.two.patients)


def test_chart_query_count_does_not_grow_with_the_record(world, staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(world.one.staff[Role.PRESCRIBER])
    course = world.one.courses[0]

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            url = reverse("clinic:patient-chart", args=[course.patient_id])
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # warm, as a running clinic's pages are
    small = count_queries()
    for _ in range(12):
        AppointmentFactory(course=course)
        SafetyFlagFactory(course=course)
    course.start_intake(course.patient.user)
    course.submit_intake(course.patient.user)
    assert count_queries() == small


def test_the_login_comes_with_its_clinic_profile_and_mfa_in_one_query(
    world, enrol_mfa, django_assert_num_queries
):
    from kapclinic.clinic.access import has_mfa, patient_for, provider_for
    from kapclinic.clinic.auth_backends import ClinicAuthenticationBackend

    backend = ClinicAuthenticationBackend()
    nurse = world.one.staff[Role.NURSE]
    patient = world.one.patients[0]
    enrol_mfa(nurse.user)
    with django_assert_num_queries(1):
        user = backend.get_user(nurse.user.pk)
        assert provider_for(user) == nurse and provider_for(user).clinic == world.one.clinic
        assert patient_for(user) is None and has_mfa(user)
    with django_assert_num_queries(1):
        user = backend.get_user(patient.user.pk)
        assert patient_for(user) == patient and patient_for(user).clinic == world.one.clinic
        assert provider_for(user) is None and not has_mfa(user)
    nurse.active = False
    nurse.save()
    assert provider_for(backend.get_user(nurse.user.pk)) is None
    nurse.user.is_active = False
    nurse.user.save()
    assert backend.get_user(nurse.user.pk) is None


def test_rows_of_a_clinic_are_its_staffs_and_a_patient_sees_only_what_is_published(world):
    """`ClinicRowQuerySet`: a REMS certification is for staff only; a published slot is also
    for the clinic's own patients; a deactivated login sees neither."""
    import datetime

    from django.utils import timezone

    from kapclinic.calendar.models import OpenSlot
    from kapclinic.rems.models import Certification

    def slot(clinic):
        starts_at = timezone.now() + datetime.timedelta(days=1)
        publisher = world.one.staff[Role.CLINIC_ADMIN].user
        return OpenSlot.objects.create(
            clinic=clinic,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=1),
            published_by=publisher,
        )

    def certification(clinic):
        return Certification.objects.create(
            clinic=clinic,
            number="C-1",
            authorised_representative="A. Director",
            certified_on=datetime.date(2026, 1, 5),
        )

    own_slot, own_certification = slot(world.one.clinic), certification(world.one.clinic)
    slot(world.two.clinic), certification(world.two.clinic)
    staff, patient = world.one.staff[Role.NURSE].user, world.one.patients[0].user

    assert list(OpenSlot.objects.visible_to(staff)) == [own_slot]
    assert list(Certification.objects.visible_to(staff)) == [own_certification]
    assert list(OpenSlot.objects.visible_to(patient)) == [own_slot]
    assert list(Certification.objects.visible_to(patient)) == []
    patient.is_active = False
    assert list(OpenSlot.objects.visible_to(patient)) == []
