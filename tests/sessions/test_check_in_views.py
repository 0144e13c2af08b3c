"""The patient's check-in on the day, from the phone: saved as it goes, resumable, then sent."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Appointment, Role, SafetyFlag
from kapclinic.demo.builder import clear_course
from kapclinic.measures.models import QuestionnaireResponse
from sessions import booking
from sessions.models import CheckIn, DosingError
from tests.concurrency import post_at_once, signed_in_browsers, statuses
from tests.factories import AppointmentFactory
from tests.real_services import require_real_service
from tests.reminders.conftest import run_scan
from tests.step_pages import HALF_FILLED_GAD7, after_refusal, assert_half_filled_gad7_kept

pytestmark = pytest.mark.django_db

SINCE = {"new_medications": "none", "new_substances": "none", "possibly_pregnant": "no"}
FOOD = {"last_food_time": "07:30", "last_drink_time": "09:00"}
COMPANION = {"companion_name": "Sam Example", "companion_phone": "+44 7700 900111"}
GAD7 = {f"q{i}": "1" for i in range(1, 8)}
PHQ9 = {**{f"q{i}": "1" for i in range(1, 9)}, "q9": "0"}
ANSWERS = {
    "since-last-visit": SINCE,
    "food-and-drink": FOOD,
    "companion": COMPANION,
    "gad7": GAD7,
    "phq9": PHQ9,
}


def late_morning_zone():
    """A fixed-offset zone where it is 11:xx now, so "today" has hours either side of now."""
    offset = (11 - timezone.now().astimezone(datetime.UTC).hour) % 24
    if offset > 14:
        offset -= 24
    # POSIX signs are inverted: Etc/GMT-3 is three hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def at_local(clinic, hour, minute=0, days=0):
    day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic.tz)


@pytest.fixture
def day(world, client):
    """A cleared course at a clinic where it is late morning, booked for 13:00 today."""
    side = world.one
    clinic = side.clinic
    clinic.time_zone = late_morning_zone()
    clinic.save()
    course = side.courses[0]
    clear_course(course, side.staff[Role.PRESCRIBER].user)
    start = at_local(clinic, 13)
    appointment = AppointmentFactory(
        course=course, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    patient = course.patient
    client.force_login(patient.user)
    return SimpleNamespace(
        client=client, side=side, clinic=clinic, course=course, patient=patient, appt=appointment
    )


def url(name, appointment, *args):
    return reverse(f"dosing:{name}", args=[appointment.pk, *args])


def step_url(appointment, step):
    return url("check-in-step", appointment, step)


def fill(day, skip=()):
    for step, data in ANSWERS.items():
        if step not in skip:
            response = day.client.post(step_url(day.appt, step), data)
            assert response.status_code == 302, response.content.decode()


def checked(page, name, value=None):
    """Whether the page shows this radio or checkbox answer as chosen."""
    return any(
        (value is None or f'value="{value}"' in tag) and " checked" in tag
        for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    )


def saved(day):
    return CheckIn.objects.get(appointment=day.appt)


# --- The steps -----------------------------------------------------------------------------


def test_start_sends_the_patient_to_the_first_step(day):
    response = day.client.get(url("check-in", day.appt))
    assert response["Location"] == step_url(day.appt, "since-last-visit")
    page = day.client.get(response["Location"]).content.decode()
    assert "Since your last visit" in page and "step 1 of 5" in page
    assert "Could you be pregnant?" in page


def test_each_step_saves_and_leads_to_the_next_then_to_the_review(day):
    response = day.client.post(step_url(day.appt, "since-last-visit"), SINCE)
    assert response["Location"] == step_url(day.appt, "food-and-drink")
    fill(day, skip={"since-last-visit"})
    check_in = saved(day)
    assert check_in.companion_phone == "+44 7700 900111"
    assert timezone.localtime(check_in.last_food_at, day.clinic.tz).time() == datetime.time(7, 30)
    assert check_in.gad7.is_completed and check_in.phq9.is_completed
    assert day.client.get(url("check-in", day.appt))["Location"] == url("check-in-review", day.appt)
    review = day.client.get(url("check-in-review", day.appt)).content.decode()
    assert "Sam Example" in review and "07:30 today" in review
    assert "Send my check-in" in review


def test_future_food_time_is_refused_beside_the_field_and_the_drink_time_kept(day):
    data = {**FOOD, "last_food_time": "12:45"}
    response = after_refusal(
        day.client, day.client.post(step_url(day.appt, "food-and-drink"), data)
    )
    page = response.content.decode()
    assert "12:45 is later than now" in page and "That was yesterday" in page
    assert 'aria-invalid="true"' in page
    check_in = saved(day)
    assert check_in.last_food_at is None
    assert timezone.localtime(check_in.last_drink_at, day.clinic.tz).time() == datetime.time(9, 0)


def test_an_overnight_fast_is_entered_as_yesterday(day):
    data = {**FOOD, "last_food_time": "21:15", "last_food_yesterday": "on"}
    day.client.post(step_url(day.appt, "food-and-drink"), data)
    food = timezone.localtime(saved(day).last_food_at, day.clinic.tz)
    assert food == at_local(day.clinic, 21, 15, days=-1)
    page = day.client.get(step_url(day.appt, "food-and-drink")).content.decode()
    assert 'value="21:15"' in page and checked(page, "last_food_yesterday", None)


def test_missing_companion_phone_is_named_beside_the_field_and_the_name_kept(day):
    data = {"companion_name": "Sam Example", "companion_phone": ""}
    response = after_refusal(day.client, day.client.post(step_url(day.appt, "companion"), data))
    assert "Please enter their phone number" in response.content.decode()
    assert saved(day).companion_name == "Sam Example"
    # Back later: the name is there and the gap still named.
    again = day.client.get(step_url(day.appt, "companion")).content.decode()
    assert 'value="Sam Example"' in again and "Please enter their phone number" in again


def test_a_phone_number_that_is_not_one_is_kept_as_typed_but_not_accepted(day):
    day.client.post(step_url(day.appt, "companion"), {**COMPANION, "companion_phone": "ask Sam"})
    assert saved(day).companion_phone == "ask Sam"
    fill(day, skip={"companion"})
    review = day.client.get(url("check-in-review", day.appt)).content.decode()
    assert "Some steps still need answers" in review and "Send my check-in" not in review


def test_since_last_visit_needs_an_answer_or_none(day):
    response = after_refusal(
        day.client,
        day.client.post(step_url(day.appt, "since-last-visit"), {"new_medications": ""}),
    )
    page = response.content.decode()
    assert "Please list any changes, or write “none”." in page
    assert "Please choose one answer." in page


def test_half_filled_gad7_keeps_answers_and_names_the_missing_items(day):
    response = after_refusal(
        day.client, day.client.post(step_url(day.appt, "gad7"), HALF_FILLED_GAD7)
    )
    page, draft = assert_half_filled_gad7_kept(response, day.course)
    assert "Still to answer:" in page
    assert draft.purpose == QuestionnaireResponse.Purpose.CHECK_IN
    # The licence line of the instrument is shown with it.
    assert draft.definition.licence[:30] in page


def test_leaving_and_coming_back_restores_every_answer(day):
    day.client.post(
        step_url(day.appt, "since-last-visit"), {**SINCE, "new_medications": "Zopiclone"}
    )
    day.client.post(step_url(day.appt, "food-and-drink"), FOOD)
    day.client.post(step_url(day.appt, "gad7"), {"q1": "3"})
    response = day.client.post(
        step_url(day.appt, "companion"), {"companion_name": "Sam Example", "leave": "1"}
    )
    assert response["Location"] == reverse("clinic:my-journey")
    # Later, another device: the same place, and every answer back.
    day.client.logout()
    day.client.force_login(day.patient.user)
    assert day.client.get(url("check-in", day.appt))["Location"] == step_url(day.appt, "companion")
    since = day.client.get(step_url(day.appt, "since-last-visit")).content.decode()
    assert "Zopiclone" in since and checked(since, "possibly_pregnant", "no")
    food = day.client.get(step_url(day.appt, "food-and-drink")).content.decode()
    assert 'value="07:30"' in food and 'value="09:00"' in food
    companion = day.client.get(step_url(day.appt, "companion")).content.decode()
    assert 'value="Sam Example"' in companion
    gad7 = day.client.get(step_url(day.appt, "gad7")).content.decode()
    assert checked(gad7, "q1", "3") and "question 2</a>" in gad7


def test_a_completed_questionnaire_is_shown_read_only(day):
    day.client.post(step_url(day.appt, "gad7"), GAD7)
    page = day.client.get(step_url(day.appt, "gad7")).content.decode()
    assert "You have answered this questionnaire" in page and "disabled" in page
    response = day.client.post(step_url(day.appt, "gad7"), {**GAD7, "q1": "3"}, follow=True)
    assert "already answered" in response.content.decode()
    assert saved(day).gad7.answers["q1"] == 1


# --- Safety --------------------------------------------------------------------------------


def test_phq9_item9_shows_crisis_resources_raises_flag_and_emails_prescriber(day):
    response = day.client.post(step_url(day.appt, "phq9"), {**PHQ9, "q9": "1"})
    assert response["Location"] == url("check-in-support", day.appt)
    support = day.client.get(response["Location"]).content.decode()
    assert "116 123" in support and "Continue my check-in" in support
    flag = SafetyFlag.objects.get(course=day.course)
    assert flag.is_open and flag.source == "Check-in PHQ-9"
    run_scan(timezone.now())  # the worker sends the alert's reminder row
    alert = [m for m in mail.outbox if "safety alert" in m.subject.lower()]
    assert len(alert) == 1
    assert alert[0].to == [day.side.staff[Role.PRESCRIBER].user.email]
    # The check-in still saves, and the patient can carry on to send it.
    assert saved(day).phq9.is_completed
    fill(day, skip={"phq9"})
    day.client.post(url("check-in-review", day.appt))
    day.appt.refresh_from_db()
    assert day.appt.status == Appointment.Status.CHECKED_IN


def test_a_half_answered_phq9_with_item9_above_zero_shows_crisis_resources_at_once(day):
    response = after_refusal(day.client, day.client.post(step_url(day.appt, "phq9"), {"q9": "2"}))
    page = response.content.decode()
    assert "You do not have to face this alone" in page and "116 123" in page
    assert SafetyFlag.objects.filter(course=day.course, source="Check-in PHQ-9").exists()


def test_leaving_a_half_answered_phq9_with_item9_above_zero_shows_crisis_resources_first(day):
    response = day.client.post(step_url(day.appt, "phq9"), {"q9": "2", "leave": "1"})
    assert response["Location"] == url("check-in-support", day.appt)
    assert saved(day).phq9.answers == {"q9": 2}


# --- Sending -------------------------------------------------------------------------------


def test_sending_marks_the_appointment_checked_in_and_locks_the_check_in(day):
    fill(day)
    response = day.client.post(url("check-in-review", day.appt))
    assert response["Location"] == url("check-in-done", day.appt)
    done = day.client.get(response["Location"]).content.decode()
    assert "You are checked in" in done and "Sam Example" in done
    day.appt.refresh_from_db()
    assert day.appt.status == Appointment.Status.CHECKED_IN
    check_in = saved(day)
    assert check_in.is_complete and check_in.completed_by == day.patient.user
    # No more changes: each page leads to the sent check-in, and nothing is written.
    changed = {**COMPANION, "companion_name": "Someone Else"}
    response = day.client.post(step_url(day.appt, "companion"), changed)
    assert response["Location"] == url("check-in-done", day.appt)
    assert day.client.get(url("check-in-review", day.appt))["Location"] == url(
        "check-in-done", day.appt
    )
    assert saved(day).companion_name == "Sam Example"


def test_send_is_refused_until_every_step_is_done(day):
    fill(day, skip={"phq9"})
    response = day.client.post(url("check-in-review", day.appt))
    assert response.status_code == 200
    assert "Please finish: Mood questionnaire (PHQ-9)." in response.content.decode()
    day.appt.refresh_from_db()
    assert day.appt.status == Appointment.Status.BOOKED


def test_mark_checked_in_needs_a_completed_check_in(day):
    with pytest.raises(DosingError, match="not complete"):
        booking.mark_checked_in(day.appt, day.patient.user)


def test_a_possible_pregnancy_raises_a_flag_when_sent(day):
    fill(day, skip={"since-last-visit"})
    day.client.post(step_url(day.appt, "since-last-visit"), {**SINCE, "possibly_pregnant": "yes"})
    day.client.post(url("check-in-review", day.appt))
    assert SafetyFlag.objects.filter(course=day.course, source="Check-in pregnancy").exists()


# --- When check-in is open -----------------------------------------------------------------


def test_check_in_is_closed_before_the_appointment_day(day):
    tomorrow = at_local(day.clinic, 10, days=1)
    later = AppointmentFactory(
        course=day.course, starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=2)
    )
    page = day.client.get(url("check-in", later)).content.decode()
    assert "Check-in is not open" in page and "Check-in opens on" in page and "at 00:00" in page
    day.client.post(step_url(later, "companion"), COMPANION)
    assert not CheckIn.objects.filter(appointment=later).exists()


def test_check_in_opens_the_configured_hours_before_the_start(day, settings):
    settings.KAP_CHECK_IN_OPENS_HOURS = 1
    page = day.client.get(url("check-in", day.appt)).content.decode()
    assert "Check-in opens on" in page and "at 12:00" in page
    settings.KAP_CHECK_IN_OPENS_HOURS = 3
    assert day.client.get(url("check-in", day.appt)).status_code == 302


def test_a_cancelled_appointment_refuses_check_in_with_a_clear_page(day):
    booking.cancel(day.appt, by=day.side.staff[Role.NURSE].user, reason="Patient unwell.")
    page = day.client.get(url("check-in", day.appt)).content.decode()
    assert "This session was cancelled" in page
    day.client.post(step_url(day.appt, "since-last-visit"), SINCE)
    assert not CheckIn.objects.filter(appointment=day.appt).exists()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Appointment.Status.NO_SHOW, "recorded as missed"),
        (Appointment.Status.COMPLETED, "already taken place"),
    ],
)
def test_a_missed_or_past_appointment_refuses_check_in(day, status, words):
    Appointment.objects.filter(pk=day.appt.pk).update(status=status)
    assert words in day.client.get(step_url(day.appt, "companion")).content.decode()


# --- Who may -------------------------------------------------------------------------------


def test_another_patient_of_the_same_clinic_gets_404(day, second_client):
    other = day.side.patients[1]
    second_client.force_login(other.user)
    for name in ("check-in", "check-in-review", "check-in-done", "check-in-support"):
        assert second_client.get(url(name, day.appt)).status_code == 404
    assert second_client.post(step_url(day.appt, "companion"), COMPANION).status_code == 404
    assert not CheckIn.objects.filter(appointment=day.appt).exists()


def test_staff_are_refused(day, second_client, enrol_mfa):
    nurse = day.side.staff[Role.NURSE].user
    enrol_mfa(nurse)
    second_client.force_login(nurse)
    assert second_client.get(url("check-in", day.appt)).status_code == 403
    assert second_client.get(step_url(day.appt, "companion")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(day, second_client):
    response = second_client.get(step_url(day.appt, "companion"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_step_or_a_non_dosing_appointment_is_404(day):
    assert day.client.get(step_url(day.appt, "weather")).status_code == 404
    start = at_local(day.clinic, 12, 30)
    assessment = AppointmentFactory(
        course=day.course,
        kind=Appointment.Kind.ASSESSMENT,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
    )
    assert day.client.get(url("check-in", assessment)).status_code == 404


# --- The patient's home page ---------------------------------------------------------------


def test_my_journey_offers_check_in_only_in_the_window(day, settings):
    journey = day.client.get(reverse("clinic:my-journey")).content.decode()
    assert "Check in for today's session" in journey
    assert url("check-in", day.appt) in journey
    settings.KAP_CHECK_IN_OPENS_HOURS = 1
    journey = day.client.get(reverse("clinic:my-journey")).content.decode()
    assert "Check in for today" not in journey
    assert "Your next appointment:" in journey and "13:00" in journey


def test_my_journey_shows_the_next_appointment_once_checked_in(day):
    fill(day)
    day.client.post(url("check-in-review", day.appt))
    journey = day.client.get(reverse("clinic:my-journey")).content.decode()
    assert "Check in for today" not in journey
    assert "Checked in</span>" in journey


# --- Cost ----------------------------------------------------------------------------------


def test_check_in_pages_use_a_bounded_number_of_queries(day, django_assert_max_num_queries):
    fill(day, skip={"phq9"})
    day.client.post(step_url(day.appt, "phq9"), {"q1": "1"})
    # Session, user, provider?, patient, appointment, check-in with both responses; then the
    # session save (3 statements, savepoints included).
    with django_assert_max_num_queries(9):
        day.client.get(step_url(day.appt, "phq9"))
    with django_assert_max_num_queries(9):
        day.client.get(url("check-in-review", day.appt))
    # 25, + one row of record history (django-simple-history), + one more round trip for
    # the audit row (lock and read the chain's head, then insert).
    with django_assert_max_num_queries(27):
        day.client.post(step_url(day.appt, "companion"), COMPANION)
    with django_assert_max_num_queries(10):
        day.client.get(reverse("clinic:my-journey"))


# --- Repeated sends write once ---------------------------------------------------------------
# The check-in's entries have natural keys instead of form keys: one check-in row per
# appointment (each step updates it), one response per questionnaire, completed once, and one
# completion. A step or the send repeated (a double tap, a retry on a poor connection, two
# phones at once) writes nothing new and leads the patient to what was saved.

RISK = {**PHQ9, "q9": "1"}


def phq9_rows(day):
    return QuestionnaireResponse.objects.filter(course=day.course, instrument="phq9")


def flags(day):
    return SafetyFlag.objects.filter(course=day.course, source="Check-in PHQ-9")


@pytest.mark.django_db
def test_each_step_and_the_send_repeated_write_once(day):
    for _ in range(2):
        assert day.client.post(step_url(day.appt, "companion"), COMPANION).status_code == 302
    assert CheckIn.objects.filter(appointment=day.appt).count() == 1

    first = day.client.post(step_url(day.appt, "phq9"), RISK)
    again = day.client.post(step_url(day.appt, "phq9"), RISK)
    assert first.status_code == again.status_code == 302
    assert phq9_rows(day).count() == 1 and flags(day).count() == 1

    fill(day, skip={"phq9", "companion"})
    sent = day.client.post(url("check-in-review", day.appt))
    completed_at = CheckIn.objects.get(appointment=day.appt).completed_at
    resent = day.client.post(url("check-in-review", day.appt))
    assert sent["Location"] == resent["Location"] == url("check-in-done", day.appt)
    assert CheckIn.objects.get(appointment=day.appt).completed_at == completed_at


THREADS = 5


def at_once(day, target, data):
    phones = signed_in_browsers(day.patient.user, THREADS)
    return statuses(post_at_once(phones, target, data))


@pytest.mark.django_db(transaction=True)
def test_a_questionnaire_and_the_send_at_the_same_instant_write_once(day):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    assert at_once(day, step_url(day.appt, "phq9"), RISK) == [302] * THREADS
    assert phq9_rows(day).count() == 1 and flags(day).count() == 1
    assert phq9_rows(day).get().is_completed

    fill(day, skip={"phq9"})
    assert at_once(day, url("check-in-review", day.appt), {}) == [302] * THREADS
    day.appt.refresh_from_db()
    assert day.appt.status == Appointment.Status.CHECKED_IN
    assert CheckIn.objects.filter(appointment=day.appt, completed_at__isnull=False).count() == 1
