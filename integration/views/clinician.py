"""The clinician's phase-3 pages: integration sessions and notes, outcomes, the dashboard,
and closing a course.

Thin views: each fetches through a scoped queryset (another clinic's record is a 404),
calls one service or transition, and picks a template. The note screen follows the dosing
screen: with htmx a POST answers with the fragment it changed; without JavaScript it
redirects back. Validation errors come back with status 200 (htmx 2 swaps only 2xx).
"""

import base64
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import (
    Appointment,
    Clinic,
    CourseState,
    Indication,
    JourneyError,
    Protocol,
    TreatmentCourse,
)
from kapclinic.clinic.models.journey import CLOSED_STATES
from kapclinic.clinic.records import SignedRecordError
from kapclinic.clinic.submissions import AlreadySaved
from kapclinic.clinic.timeline import stamp
from sessions.models import DosingSession

from .. import services
from ..charts import trend_chart
from ..forms.clinician import (
    AddendumForm,
    BookIntegrationSessionForm,
    CourseClosureForm,
    DashboardFilterForm,
    IntegrationNoteForm,
)
from ..models import CourseClosure, IntegrationNote, MeasureRequest
from ..models.common import CLINICIANS, NOTE_AUTHORS
from ..models.notes import NOTE_FIELDS
from ..selectors import clinic_dashboard, course_outcomes, journal_for, measurements_by_course

NOTE_TEMPLATE = "integration/note.html"
# domain reference §5: one integration session "typically within days of the dose".
SUGGESTED_DAYS_AFTER_DOSE = 2
BOOKABLE_SESSION_STATES = {DosingSession.Status.DISCHARGED, DosingSession.Status.SIGNED}


def staff_course(request, pk):
    """A course of the staff member's clinic, or 404 (another clinic's is simply not there)."""
    return get_object_or_404(
        TreatmentCourse.objects.visible_to(request.user).select_related("patient", "clinic"),
        pk=pk,
    )


def role_of(user, course):
    """The user's role at the course's clinic, or None: only to decide what to offer."""
    provider = provider_for(user)
    return provider.role if provider and provider.clinic_id == course.clinic_id else None


# --- Integration sessions -------------------------------------------------------------------


class IntegrationSessionsView(StaffRequiredMixin, View):
    """Each dosing session of a course beside the integration sessions that follow it."""

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"integration sessions, course {course.pk}", VIEW)
        dosing = list(
            DosingSession.objects.filter(course=course)
            .select_related("appointment")
            .order_by("started_at")
        )
        integration = list(
            Appointment.objects.filter(course=course, kind=Appointment.Kind.INTEGRATION)
            .select_related("clinician__user", "integration_note")
            .order_by("starts_at")
        )
        rows = []
        for index, session in enumerate(dosing):
            until = dosing[index + 1].started_at if index + 1 < len(dosing) else None
            follows = [
                a
                for a in integration
                if a.starts_at > session.started_at and (until is None or a.starts_at <= until)
            ]
            rows.append(
                {
                    "session": session,
                    "number": index + 1,
                    "bookable": session.status in BOOKABLE_SESSION_STATES and course.is_open,
                    "integration": follows,
                }
            )
        context = {
            "course": course,
            "patient": course.patient,
            "rows": rows,
            "unlinked": [
                a for a in integration if not dosing or a.starts_at <= dosing[0].started_at
            ],
        }
        with timezone.override(course.clinic.tz):
            return render(request, "integration/sessions.html", context)


class BookIntegrationSessionView(StaffRequiredMixin, View):
    template_name = "integration/book_session.html"

    def get_session(self, pk):
        return get_object_or_404(
            DosingSession.objects.visible_to(self.request.user).select_related(
                "course__patient", "course__clinic", "appointment"
            ),
            pk=pk,
        )

    def suggestion(self, session):
        """A few days after the dose, at the dosing session's time of day (reference §5)."""
        tz = session.course.clinic.tz
        started = timezone.localtime(session.started_at, tz)
        day = started.date() + datetime.timedelta(days=SUGGESTED_DAYS_AFTER_DOSE)
        today = timezone.localdate(timezone=tz)
        if day <= today:
            day = today + datetime.timedelta(days=1)
        at = started.time().replace(minute=started.minute - started.minute % 15, second=0)
        return {"date": day, "start_time": at.replace(microsecond=0)}

    def refusal(self, session):
        if not session.course.is_open:
            return "This course is closed: no more sessions can be booked."
        if session.status not in BOOKABLE_SESSION_STATES:
            return "Book the integration session once the patient has been discharged."
        return None

    def render_page(self, session, form):
        course = session.course
        protocol = Protocol.objects.effective_for(course.clinic)
        context = {
            "session": session,
            "course": course,
            "patient": course.patient,
            "form": form,
            "cadence": protocol.integration_cadence if protocol else "",
            "refusal": self.refusal(session),
        }
        with timezone.override(course.clinic.tz):
            return render(self.request, self.template_name, context)

    def get(self, request, pk):
        session = self.get_session(pk)
        audit(request.user, session.course, f"booking an integration session, session {pk}", VIEW)
        clinic = session.course.clinic
        form = BookIntegrationSessionForm(clinic=clinic, initial=self.suggestion(session))
        return self.render_page(session, form)

    def post(self, request, pk):
        session = self.get_session(pk)
        form = BookIntegrationSessionForm(request.POST, clinic=session.course.clinic)
        refusal = self.refusal(session)
        if refusal:
            form.is_valid()
            form.add_error(None, refusal)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                appointment = services.book_integration_session(
                    session,
                    request.user,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    clinician=data["clinician"],
                    room=data["room"],
                )
            except ValidationError as error:
                form.add_model_errors(error)
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Integration session booked {appointment.when()}.")
                return redirect("integration:sessions", session.course_id)
        return self.render_page(session, form)


# --- The integration note -------------------------------------------------------------------


def note_appointment(request, pk):
    return get_object_or_404(
        Appointment.objects.visible_to(request.user)
        .filter(kind=Appointment.Kind.INTEGRATION)
        .select_related("course__patient", "course__clinic", "clinician__user"),
        pk=pk,
    )


def note_context(request, appointment, *, note_form=None, addendum_form=None, status=""):
    course = appointment.course
    note = (
        IntegrationNote.objects.visible_to(request.user)
        .filter(appointment=appointment)
        .select_related("dosing_session", "written_by", "signed_by")
        .first()
    )
    role = role_of(request.user, course)
    return {
        "appointment": appointment,
        "course": course,
        "patient": course.patient,
        "clinic": course.clinic,
        "note": note,
        "addenda": list(note.addenda.select_related("author")) if note else [],
        "can_write": role in NOTE_AUTHORS,
        "can_add_addendum": role in CLINICIANS,
        "missing": note.missing_for_signature() if note and not note.is_signed else [],
        "note_form": note_form or IntegrationNoteForm.for_note(note),
        "addendum_form": addendum_form or AddendumForm(),
        "status": status,
    }


def differences(note, typed):
    """(label, saved text, this editor's text) for each note field where the two differ."""
    rows = []
    for name in NOTE_FIELDS:
        field = IntegrationNote._meta.get_field(name)
        labels = dict(field.choices or ())
        saved, mine = getattr(note, name) or "", (typed.get(name) or "").strip()
        if saved != mine:
            label = str(field.verbose_name).capitalize()
            rows.append((label, labels.get(saved, saved), labels.get(mine, mine)))
    return rows


def render_part(request, name, context, status=200):
    html = render_to_string(f"{NOTE_TEMPLATE}#{name}", context, request)
    return HttpResponse(html, status=status)


def already_saved(request, appointment, duplicate, part):
    """The same form sent again: nothing new was written; the page shows what the first
    send saved and a fresh form. HTTP 409, or 200 for htmx (which does not swap 4xx)."""
    with timezone.override(appointment.course.clinic.tz):
        context = note_context(request, appointment)
        context["already_saved"] = {"part": part, "message": str(duplicate)}
        if request.htmx:
            return render_part(request, part, context)
        return render(request, NOTE_TEMPLATE, context, status=409)


class IntegrationNoteView(StaffRequiredMixin, View):
    """GET: the note (read-only once signed); POST: save the draft, or save and sign."""

    def get(self, request, pk):
        appointment = note_appointment(request, pk)
        audit(
            request.user,
            appointment.course,
            f"integration note, appointment {appointment.pk}",
            VIEW,
        )
        with timezone.override(appointment.course.clinic.tz):
            return render(request, NOTE_TEMPLATE, note_context(request, appointment))

    def post(self, request, pk):
        appointment = note_appointment(request, pk)
        form = IntegrationNoteForm(request.POST)
        sign = request.POST.get("intent") == "sign"
        done = ""
        if form.is_valid():
            try:
                note = services.open_integration_note(appointment, request.user)
                version = form.cleaned_data["version"]
                data = form.data_for_service()
                services.record_integration_note(
                    note,
                    request.user,
                    data,
                    version=version,
                    request_key=form.cleaned_data["request_key"],
                )
                done = "Draft saved."
                if sign:
                    services.sign_integration_note(note, request.user)
                    done = "Note signed. It is now read-only; corrections are addenda."
            except services.EditConflict as conflict:
                return self.conflict(request, appointment, form, conflict)
            except AlreadySaved as duplicate:
                return already_saved(request, appointment, duplicate, "note-screen")
            except ValidationError as error:
                form.add_model_errors(error)
            except (JourneyError, SignedRecordError) as error:
                if done:  # the draft was saved: the form goes on from its new version
                    form = IntegrationNoteForm.to_continue(request.POST, note)
                form.add_error(None, f"{done} Not signed: {error}" if done else str(error))
            else:
                if not request.htmx:
                    messages.success(request, done)
                    return redirect("integration:note", appointment.pk)
                form = None
        with timezone.override(appointment.course.clinic.tz):
            context = note_context(request, appointment, note_form=form, status=done)
            if request.htmx:
                return render_part(request, "note-screen", context)
            return render(request, NOTE_TEMPLATE, context)

    def conflict(self, request, appointment, form, conflict):
        """HTTP 409: the saved note beside what this editor typed, nothing lost; their text
        stays in the form, now based on the saved version, to merge and save again."""
        with timezone.override(appointment.course.clinic.tz):
            context = note_context(
                request,
                appointment,
                note_form=IntegrationNoteForm.to_continue(request.POST, conflict.note),
            )
            context["conflict"] = {
                "message": str(conflict),
                "saved": conflict.note,
                "differences": differences(conflict.note, form.data_for_service()),
            }
            if request.htmx:
                return render_part(request, "note-screen", context, status=409)
            return render(request, NOTE_TEMPLATE, context, status=409)


class AddNoteAddendumView(StaffRequiredMixin, View):
    def post(self, request, pk):
        note = get_object_or_404(
            IntegrationNote.objects.visible_to(request.user).select_related(
                "appointment__course__patient", "appointment__course__clinic"
            ),
            pk=pk,
        )
        appointment = note.appointment
        form = AddendumForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_note_addendum(
                    note, request.user, data["text"], request_key=data["request_key"]
                )
            except AlreadySaved as duplicate:
                return already_saved(request, appointment, duplicate, "addenda")
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                if not request.htmx:
                    messages.success(request, "Addendum added.")
                    return redirect(reverse("integration:note", args=[appointment.pk]) + "#addenda")
                form = None
        with timezone.override(appointment.course.clinic.tz):
            context = note_context(request, appointment, addendum_form=form)
            if request.htmx:
                return render_part(request, "addenda", context)
            return render(request, NOTE_TEMPLATE, context)


# --- Outcomes -------------------------------------------------------------------------------


def chart_image(svg):
    """The chart as a data: URI for an <img>: its own <style> then applies inside the image,
    and the page's CSP (style-src 'self', img-src 'self' data:) is untouched."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def chart_alt(outcome, points, doses, tz):
    name = outcome.short_name
    if not points:
        return f"No {name} scores yet."

    def day(m):
        return timezone.localtime(m.at, tz).strftime("%-d %b %Y")

    first, last = points[0], points[-1]
    text = (
        f"{name} totals over the course: {len(points)} score{'s' if len(points) != 1 else ''}, "
        f"from {first.total} on {day(first)} to {last.total} on {day(last)}, "
        "on shaded severity bands"
    )
    if doses:
        text += f"; {len(doses)} dosing session{'s' if len(doses) != 1 else ''} marked"
    return text + ". Every score is listed in the table below the chart."


def shown(judgement):
    """A judgement's value in words: yes/no, signed points, a signed percentage."""
    value = judgement.value
    if not judgement.computable:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if judgement.label == "Percent change":
        return f"{value:+}%"
    if judgement.label == "Change":
        return f"{value:+d} point{'s' if abs(value) != 1 else ''}"
    return str(value)


def _score_row(point, tz):
    """A score of the table, its time formatted once here rather than twice per row in the
    template (the filters `date:'c'` and `date:"j M Y, H:i"`, same output)."""
    iso, shown_at = stamp(point.at, tz)
    return {"iso": iso, "shown_at": shown_at, "total": point.total, "purpose": point.purpose_label}


class CourseOutcomesView(StaffRequiredMixin, View):
    """Per instrument: the trend, baseline against latest, and each judgement with its rule.

    A fixed number of queries whatever the number of scores (see the query-count test).
    """

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"course {course.pk} outcomes and shared journal entries", VIEW)
        clinic = course.clinic
        tz = clinic.tz
        protocol = Protocol.objects.effective_for(clinic)
        rules = (protocol.outcome_rules or {}) if protocol else {}
        series = measurements_by_course([course.pk], list(rules))
        outcomes = course_outcomes(course, protocol, scores=series)
        doses = list(
            DosingSession.objects.filter(course=course)
            .order_by("started_at")
            .values_list("started_at", flat=True)
        )
        instruments = []
        for outcome in outcomes:
            points = series.get((course.pk, outcome.instrument), [])
            chart = None
            if points:
                svg = trend_chart(outcome.instrument, points, dose_times=doses, tz=tz)
                chart = {"src": chart_image(svg), "alt": chart_alt(outcome, points, doses, tz)}
            judgements = [{"judgement": j, "shown": shown(j)} for j in outcome.judgements]
            rows = [_score_row(point, tz) for point in points]
            instruments.append(
                {"outcome": outcome, "points": rows, "chart": chart, "judgements": judgements}
            )
        context = {
            "course": course,
            "patient": course.patient,
            "protocol": protocol,
            "closure": CourseClosure.objects.filter(course=course)
            .select_related("recorded_by")
            .first(),
            "instruments": instruments,
            "dose_count": len(doses),
            "journal": journal_for(request.user, course),
            "overdue": list(
                MeasureRequest.objects.visible_to(request.user)
                .overdue()
                .filter(course=course)
                .order_by("due_at", "pk")
            ),
            "role": role_of(request.user, course),
        }
        with timezone.override(tz):
            return render(request, "integration/outcomes.html", context)


# --- The clinic dashboard -------------------------------------------------------------------


class ClinicDashboardView(StaffRequiredMixin, View):
    """Open courses by stage, and outcomes across completed courses; bounded queries."""

    template_name = "integration/dashboard.html"

    def get(self, request):
        provider = provider_for(request.user)
        if provider is not None:
            clinic = provider.clinic
        else:
            # A superuser belongs to no clinic: they choose one.
            wanted = request.GET.get("clinic", "")
            clinic = get_object_or_404(Clinic, pk=wanted) if wanted.isdigit() else None
            if clinic is None:
                return render(
                    request,
                    self.template_name,
                    {"clinic": None, "clinics": Clinic.objects.order_by("name")},
                )
        form = DashboardFilterForm(request.GET or None, clinic=clinic)
        filters = form.cleaned_data if form.is_valid() else {}
        dashboard = clinic_dashboard(
            clinic,
            indication=filters.get("indication") or None,
            start=filters.get("start"),
            end=filters.get("end"),
        )
        overdue = list(
            MeasureRequest.objects.visible_to(request.user)
            .overdue()
            .filter(course__clinic=clinic)
            .select_related("course__patient")
            .order_by("due_at", "pk")[:50]
        )
        context = {
            "clinic": clinic,
            "form": form,
            "dashboard": dashboard,
            "open_total": sum(count for _, _, count in dashboard.stages),
            "indication_label": Indication(dashboard.indication).label
            if dashboard.indication
            else "",
            "overdue": overdue,
            "superuser_clinic": None if provider else clinic,
        }
        with timezone.override(clinic.tz):
            return render(request, self.template_name, context)


# --- Closing a course -----------------------------------------------------------------------


class BeginIntegrationView(StaffRequiredMixin, View):
    """Dosing is over: the course moves to its integration phase (a journey transition)."""

    def post(self, request, pk):
        course = staff_course(request, pk)
        try:
            course.begin_integration(request.user)
        except JourneyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The course is now in its integration phase.")
        return redirect("clinic:patient-chart", course.patient_id)


class _CloseCourseView(StaffRequiredMixin, View):
    template_name = "integration/close_course.html"
    service = None
    danger = False
    title = ""
    button = ""
    done = ""
    allowed_from = frozenset()
    intro = ""

    def render_page(self, course, form):
        refusal = None
        if course.state not in self.allowed_from:
            refusal = self.refusal(course)
        context = {
            "course": course,
            "patient": course.patient,
            "form": form,
            "title": self.title,
            "button": self.button,
            "intro": self.intro,
            "refusal": refusal,
            "danger": self.danger,
        }
        return render(self.request, self.template_name, context)

    def refusal(self, course):
        return f"This course is {course.get_state_display().lower()}: it cannot be closed here."

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"course {course.pk}: {self.title.lower()}", VIEW)
        return self.render_page(course, CourseClosureForm(clinic=course.clinic))

    def post(self, request, pk):
        course = staff_course(request, pk)
        form = CourseClosureForm(request.POST, clinic=course.clinic)
        if form.is_valid():
            data = form.cleaned_data
            try:
                self.service(course, request.user, reason=data["reason"], on=data["effective_on"])
            except ValidationError as error:
                form.add_model_errors(error)
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, self.done)
                return redirect("clinic:patient-chart", course.patient_id)
        return self.render_page(course, form)


class CompleteCourseView(_CloseCourseView):
    service = staticmethod(services.complete_course)
    title = "Complete the course"
    button = "Complete course"
    done = "Course completed. End-of-course and follow-up questionnaires are scheduled."
    allowed_from = frozenset({CourseState.INTEGRATION})
    intro = (
        "The course ends as completed. Follow-up questionnaires are requested as the protocol sets."
    )

    def refusal(self, course):
        if course.state == CourseState.IN_TREATMENT:
            return "The course is still in treatment: move it to integration first."
        return super().refusal(course)


class DiscontinueCourseView(_CloseCourseView):
    service = staticmethod(services.discontinue_course)
    danger = True
    title = "Discontinue the course"
    button = "Discontinue course"
    done = "Course discontinued. Questionnaires still requested were cancelled."
    allowed_from = frozenset(set(CourseState) - CLOSED_STATES)
    intro = "The course ends early. Questionnaires still requested are cancelled."
