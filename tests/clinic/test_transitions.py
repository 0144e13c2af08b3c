"""Every journey transition: allowed from its source stages by its actors, refused otherwise."""

import pytest

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import CourseEvent, CourseState, JourneyError, Role, TreatmentCourse
from tests.factories import SafetyFlagFactory

pytestmark = pytest.mark.django_db
S = CourseState

# transition → (source stages, who may do it, needs a note)
TRANSITIONS = {
    "start_intake": ({S.INVITED}, "patient", False, S.INTAKE_IN_PROGRESS),
    "submit_intake": (
        {S.INTAKE_IN_PROGRESS, S.MORE_INFO_REQUESTED},
        "patient",
        False,
        S.INTAKE_SUBMITTED,
    ),
    "begin_review": ({S.INTAKE_SUBMITTED}, Role.THERAPIST, False, S.UNDER_REVIEW),
    "request_more_information": ({S.UNDER_REVIEW}, Role.THERAPIST, True, S.MORE_INFO_REQUESTED),
    "decline": ({S.UNDER_REVIEW}, Role.PRESCRIBER, True, S.DECLINED),
    "clear": ({S.UNDER_REVIEW}, Role.PRESCRIBER, True, S.CLEARED),
    "start_treatment": ({S.CLEARED}, Role.PRESCRIBER, False, S.IN_TREATMENT),
    "begin_integration": (
        {S.IN_TREATMENT, S.MAINTENANCE},
        Role.THERAPIST,
        True,
        S.INTEGRATION,
    ),
    "complete": ({S.INTEGRATION}, Role.THERAPIST, False, S.COMPLETED),
    "discontinue": (
        set(S) - {S.DECLINED, S.COMPLETED, S.DISCONTINUED},
        Role.THERAPIST,
        True,
        S.DISCONTINUED,
    ),
}


def put_in_state(course, state):
    """Tests only: place a course at a stage without walking the journey."""
    TreatmentCourse.objects.filter(pk=course.pk).update(state=state)
    course.refresh_from_db()
    return course


def actor_for(world, who):
    return world.one.patients[0].user if who == "patient" else world.one.staff[who].user


def call(course, name, actor, note="Reason given."):
    method = getattr(course, name)
    needs_note = TRANSITIONS[name][2]
    if name == "complete" or needs_note:
        return method(actor, note)
    return method(actor)


# Sorted: a set's order changes with the hash seed, and pytest-xdist's workers must collect the
# same tests in the same order.
ALLOWED = [
    (name, source) for name, (sources, *_rest) in TRANSITIONS.items() for source in sorted(sources)
]
REFUSED = [
    (name, source)
    for name, (sources, *_rest) in TRANSITIONS.items()
    for source in S
    if source not in sources
]


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_transition_allowed_from_its_source_stage(world, name, source):
    course = put_in_state(world.one.courses[0], source)
    _, who, _, target = TRANSITIONS[name]
    actor = actor_for(world, who)
    call(course, name, actor)
    course.refresh_from_db()
    assert course.state == target
    event = CourseEvent.objects.get(course=course)
    assert (event.from_state, event.to_state, event.actor) == (source, target, actor)
    assert AccessEvent.objects.filter(
        actor=actor, patient=course.patient, action=AccessEvent.Action.CHANGE
    ).exists()


@pytest.mark.parametrize(("name", "source"), REFUSED)
def test_transition_refused_from_other_stages(world, name, source):
    course = put_in_state(world.one.courses[0], source)
    actor = actor_for(world, TRANSITIONS[name][1])
    with pytest.raises(JourneyError, match="cannot move"):
        call(course, name, actor)
    course.refresh_from_db()
    assert course.state == source
    assert not CourseEvent.objects.filter(course=course).exists()


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition_refused_for_staff_of_another_clinic(world, name):
    sources, who, *_ = TRANSITIONS[name]
    course = put_in_state(world.one.courses[0], sorted(sources)[0])
    outsider = world.two.patients[0].user if who == "patient" else world.two.staff[who].user
    with pytest.raises(JourneyError, match="Only the course's"):
        call(course, name, outsider)


@pytest.mark.parametrize(
    ("name", "wrong_role"),
    [
        ("clear", Role.THERAPIST),
        ("decline", Role.NURSE),
        ("start_treatment", Role.THERAPIST),
        ("begin_review", Role.CLINIC_ADMIN),
        ("submit_intake", Role.PRESCRIBER),
        ("start_intake", Role.PRESCRIBER),
    ],
)
def test_transition_refused_for_the_wrong_role(world, name, wrong_role):
    course = put_in_state(world.one.courses[0], sorted(TRANSITIONS[name][0])[0])
    with pytest.raises(JourneyError, match="Only the course's"):
        call(course, name, world.one.staff[wrong_role].user)


def test_other_patient_cannot_submit_someone_elses_intake(world):
    course = put_in_state(world.one.courses[0], S.INTAKE_IN_PROGRESS)
    with pytest.raises(JourneyError):
        course.submit_intake(world.one.patients[1].user)


@pytest.mark.parametrize("name", [n for n, t in TRANSITIONS.items() if t[2]])
def test_transition_needing_a_reason_refuses_a_blank_one(world, name):
    sources, who, *_ = TRANSITIONS[name]
    course = put_in_state(world.one.courses[0], sorted(sources)[0])
    with pytest.raises(JourneyError, match="required"):
        call(course, name, actor_for(world, who), note="   ")


def test_clearance_refused_while_a_safety_flag_is_open(world):
    course = put_in_state(world.one.courses[0], S.UNDER_REVIEW)
    flag = SafetyFlagFactory(course=course)
    prescriber = world.one.staff[Role.PRESCRIBER].user
    with pytest.raises(JourneyError, match="open safety flag"):
        course.clear(prescriber, "Looks suitable.")
    flag.resolve(prescriber, "Same-day call: no current intent; safety plan agreed.")
    course.clear(prescriber, "Looks suitable.")
    course.refresh_from_db()
    assert course.state == S.CLEARED


def test_safety_flag_resolution_requires_a_clinician_and_an_action(world):
    flag = SafetyFlagFactory(course=world.one.courses[0])
    with pytest.raises(JourneyError, match="Only a clinician"):
        flag.resolve(world.one.staff[Role.CLINIC_ADMIN].user, "Called.")
    with pytest.raises(JourneyError, match="Only a clinician of this clinic"):
        flag.resolve(world.two.staff[Role.PRESCRIBER].user, "Called.")
    with pytest.raises(JourneyError, match="what was done"):
        flag.resolve(world.one.staff[Role.THERAPIST].user, "")
    flag.resolve(world.one.staff[Role.THERAPIST].user, "Called the patient.")
    with pytest.raises(JourneyError, match="already resolved"):
        flag.resolve(world.one.staff[Role.THERAPIST].user, "Again.")


def test_closing_transition_keeps_the_reason(world):
    course = put_in_state(world.one.courses[0], S.IN_TREATMENT)
    course.discontinue(world.one.staff[Role.THERAPIST].user, "Moved abroad.")
    course.refresh_from_db()
    assert course.closed_reason == "Moved abroad."
    assert not course.is_open


def test_a_full_journey_leaves_an_ordered_trail(world):
    course = world.one.courses[0]
    patient = world.one.patients[0].user
    prescriber = world.one.staff[Role.PRESCRIBER].user
    therapist = world.one.staff[Role.THERAPIST].user
    course.start_intake(patient)
    course.submit_intake(patient)
    course.begin_review(prescriber)
    course.request_more_information(prescriber, "Please list your current medications.")
    course.submit_intake(patient)
    course.begin_review(prescriber)
    course.clear(prescriber, "No contraindications.")
    course.start_treatment(prescriber)
    course.begin_integration(therapist, "Six sessions given.")
    course.complete(therapist, "Six sessions done; remission.")
    trail = list(course.events.values_list("to_state", flat=True))
    assert trail == [
        S.INTAKE_IN_PROGRESS,
        S.INTAKE_SUBMITTED,
        S.UNDER_REVIEW,
        S.MORE_INFO_REQUESTED,
        S.INTAKE_SUBMITTED,
        S.UNDER_REVIEW,
        S.CLEARED,
        S.IN_TREATMENT,
        S.INTEGRATION,
        S.COMPLETED,
    ]


def test_state_cannot_be_set_through_a_form_field():
    assert TreatmentCourse._meta.get_field("state").editable is False
