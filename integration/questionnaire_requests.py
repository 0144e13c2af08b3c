"""Questionnaire requests (MeasureRequest) from the protocol's schedule, and how they are
answered or lapse.

`schedule_measures` is idempotent: call it whenever the course's appointments or stage
change and it adds only what is missing (one request per course, instrument and time point).
"""

import logging
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import Appointment, CourseState, Protocol
from kapclinic.clinic.models.follow_up import When
from kapclinic.clinic.risk import flag_urgent_answers
from kapclinic.measures.models import QuestionnaireResponse
from sessions.reevaluation import add_months

from . import course_outcome
from .models import CourseClosure, IntegrationError, MeasureRequest
from .models.common import ANY_STAFF

log = logging.getLogger(__name__)

Purpose = QuestionnaireResponse.Purpose
Status = MeasureRequest.Status
LIVE = (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
DROPPED = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)


def _follow_up_anchor(closure):
    """When the course ended: the recorded moment if it ended today, else noon that day."""
    if closure.effective_on >= timezone.localdate(closure.recorded_at, closure.course.clinic.tz):
        return closure.recorded_at
    return datetime.combine(closure.effective_on, time(12), tzinfo=closure.course.clinic.tz)


MONTHLY_STATES = (CourseState.IN_TREATMENT, CourseState.MAINTENANCE)
MONTHLY_AHEAD = timedelta(days=31)  # requests made ahead: the next month's, not every month's


def monthly_targets(course, step, window):
    """Month 1, 2, … after treatment began, while the course is in treatment or maintenance
    and its indication is one the step names (reference §5: PCL-5 monthly during the
    course, 1-month recall); only those opening within the coming month are made now."""
    indications = step.get("indications")
    if course.state not in MONTHLY_STATES or (indications and course.indication not in indications):
        return []
    began = (
        course.events.filter(to_state=CourseState.IN_TREATMENT)
        .order_by("at")
        .values_list("at", flat=True)
    ).first()
    if began is None:
        return []
    targets, month, horizon = [], 1, timezone.now() + MONTHLY_AHEAD
    while (opens := add_months(began, month)) <= horizon:
        targets.append(
            {
                "timepoint": f"month:{month}",
                "label": f"Month {month} of treatment",
                "appointment": None,
                "purpose": Purpose.FOLLOW_UP,
                "opens_at": opens,
                "due_at": opens + window,
                "expires_at": opens + 2 * window,
            }
        )
        month += 1
    return targets


def planned_requests(course, protocol, *, appointments, closure):
    """The requests the schedule calls for, as unsaved MeasureRequest rows."""
    lead = timedelta(hours=protocol.pre_dose_lead_hours)
    window = timedelta(days=protocol.measure_window_days)
    planned = []
    for step in protocol.measure_schedule:
        when = step["when"]
        targets = []
        if when == When.BEFORE_EACH_DOSE:
            for appointment in appointments:
                local = timezone.localtime(appointment.starts_at, course.clinic.tz)
                targets.append(
                    {
                        "timepoint": f"dose:{appointment.pk}",
                        "label": f"Before the dosing session on {local:%a} {local.day} {local:%b}",
                        "appointment": appointment,
                        "purpose": Purpose.CHECK_IN,
                        "opens_at": appointment.starts_at - lead,
                        "due_at": appointment.starts_at,
                        "expires_at": appointment.ends_at,
                    }
                )
        elif when == When.MONTHLY_DURING_COURSE:
            targets = monthly_targets(course, step, window)
        elif closure is not None and closure.outcome == CourseClosure.Outcome.COMPLETED:
            anchor = _follow_up_anchor(closure)
            weeks = step.get("weeks") or 0
            opens = anchor + timedelta(weeks=weeks)
            targets.append(
                {
                    "timepoint": "end" if when == When.END_OF_COURSE else f"after:{weeks}w",
                    "label": "End of the course"
                    if when == When.END_OF_COURSE
                    else f"{weeks} week{'s' if weeks != 1 else ''} after the course",
                    "appointment": None,
                    "purpose": Purpose.FOLLOW_UP,
                    "opens_at": opens,
                    "due_at": opens + window,
                    "expires_at": opens + 2 * window,
                }
            )
        for target in targets:
            for instrument in step["instruments"]:
                planned.append(MeasureRequest(course=course, instrument=instrument, **target))
    return planned


def schedule_measures(course, *, protocol=None):
    """Add the measure requests the protocol calls for; returns the new ones.

    Before each live dosing appointment; at the end of a completed course and the weeks
    after it. Pre-dose requests of a cancelled or missed appointment are cancelled.
    """
    protocol = protocol or Protocol.objects.effective_for(course.clinic)
    if protocol is None:
        # No signed-off protocol, no schedule to follow: nothing is requested on guesses.
        log.warning(
            "Clinic %s has no signed-off protocol: no follow-up questionnaires scheduled "
            "for course %s.",
            course.clinic_id,
            course.pk,
        )
    with transaction.atomic():
        appointments = list(
            Appointment.objects.filter(
                course=course, kind=Appointment.Kind.DOSING, status__in=LIVE
            ).order_by("starts_at")
        )
        closure = CourseClosure.objects.filter(course=course).first()
        existing = set(
            MeasureRequest.objects.filter(course=course).values_list("instrument", "timepoint")
        )
        new = [
            request
            for request in (
                planned_requests(course, protocol, appointments=appointments, closure=closure)
                if protocol is not None
                else []
            )
            if (request.instrument, request.timepoint) not in existing
        ]
        MeasureRequest.objects.bulk_create(new)
        MeasureRequest.objects.requested().filter(
            course=course, appointment__status__in=DROPPED
        ).update(status=Status.CANCELLED)
    return new


def complete_measure_request(request, response):
    """Link a completed questionnaire to the request it answers."""
    with transaction.atomic():
        request = MeasureRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        problem = _mismatch(request, response)
        if problem:
            raise IntegrationError(problem)
        request.status, request.response = Status.COMPLETED, response
        request.completed_at = response.completed_at
        request.save(update_fields=["status", "response", "completed_at"])
    return request


def _mismatch(request, response):
    if request.status != Status.REQUESTED:
        return f"This questionnaire is {request.get_status_display().lower()}."
    if not response.is_completed:
        return "The questionnaire is not finished yet."
    if (response.course_id, response.instrument) != (request.course_id, request.instrument):
        return "That questionnaire answers a different request."
    if not request.opens_at <= response.completed_at < request.expires_at:
        return "That questionnaire was completed outside this request's window."
    return ""


def _answerable_by(request, by):
    """The request's course, if `by` may answer for it: the patient, or the clinic's staff."""
    course = request.course
    if course.patient.user_id != getattr(by, "pk", None):
        require_staff(
            by, course, ANY_STAFF, "answer a questionnaire for a patient", refusal=IntegrationError
        )
    return course


def answer_measure_request(request, by, answers):
    """The patient (or staff with them) answers a requested questionnaire in full.

    Urgent answers (PHQ-9 item 9) raise a safety flag at once, as at check-in.
    """
    course = _answerable_by(request, by)
    now = timezone.now()
    if request.status != Status.REQUESTED or not request.opens_at <= now < request.expires_at:
        raise IntegrationError("This questionnaire is not open for answers now.")
    with transaction.atomic():
        response = QuestionnaireResponse(
            course=course, instrument=request.instrument, purpose=request.purpose, created_by=by
        )
        response.save_answers(answers, complete=True)
        source = f"Follow-up {response.definition.short_name}"
        flag_urgent_answers(course, response.urgent_flags, source=source, by=by)
        complete_measure_request(request, response)
        type(request).objects.filter(pk=request.pk).update(draft_answers={})
        if course.state == CourseState.COMPLETED:
            # A follow-up after completion: the only way a completed course gains a score.
            course_outcome.refresh(course.pk)
        audit(by, course, f"{response.definition.short_name} answered ({request.label})")
    return response


def save_measure_draft(request, by, answers):
    """Keep the answers of an unfinished questionnaire until the patient comes back."""
    _answerable_by(request, by)
    if request.status != Status.REQUESTED:
        raise IntegrationError("This questionnaire is not open for answers now.")
    keys = {item.key for item in request.definition.items}
    draft = {key: value for key, value in answers.items() if key in keys}
    with transaction.atomic():
        type(request).objects.filter(pk=request.pk, status=Status.REQUESTED).update(
            draft_answers=draft
        )
        what = f"{request.definition.short_name} draft saved ({request.label})"
        audit(by, request.course, what, CHANGE)
    request.draft_answers = draft


def urgent_answers(request, answers):
    """The urgent flag rules that `answers`, finished or not, set off (PHQ-9 item 9 above 0):
    the instrument's own rules, so a draft is judged as the sent questionnaire would be."""
    return [flag for flag in request.definition.score(answers, partial=True).flags if flag.urgent]


def flag_unfinished_answers(request, by, answers):
    """Answers sent before the questionnaire is finished: nothing is stored (a request takes
    only a completed response), but an urgent one (PHQ-9 item 9 above 0) raises the same
    safety flag at once, as a half-answered questionnaire does at intake and check-in.

    Returns the urgent flag rules that fired, so the page can show crisis resources.
    """
    course = _answerable_by(request, by)
    urgent = urgent_answers(request, answers)
    with transaction.atomic():
        source = f"Follow-up {request.definition.short_name}"
        flag_urgent_answers(course, urgent, source=source, by=by)
    return urgent


def reconcile_measure_requests(course):
    """Link questionnaires answered elsewhere (e.g. at check-in) to the requests they meet."""
    requests = list(MeasureRequest.objects.requested().filter(course=course))
    if not requests:
        return 0
    responses = list(
        QuestionnaireResponse.objects.completed()
        .filter(course=course, measure_request__isnull=True)
        .order_by("completed_at")
    )
    linked = 0
    for request in requests:
        match = next(
            (r for r in responses if r.purpose == request.purpose and not _mismatch(request, r)),
            None,
        )
        if match is not None:
            complete_measure_request(request, match)
            responses.remove(match)
            linked += 1
    return linked


def expire_measure_requests(now=None):
    """Requests past their window lapse (the periodic scan calls this); returns how many."""
    return (
        MeasureRequest.objects.requested()
        .filter(expires_at__lte=now or timezone.now())
        .update(status=Status.EXPIRED)
    )


def cancel_open_requests(course):
    return MeasureRequest.objects.requested().filter(course=course).update(status=Status.CANCELLED)
