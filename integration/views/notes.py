"""The integration note: the clinician writes it, signs it, and adds addenda once signed.

The note screen follows the dosing screen: with htmx a POST answers with the fragment it
changed; without JavaScript it redirects back. Validation errors come back with status 200
(htmx 2 swaps only 2xx); a form sent twice or an edit conflict answers 409 with nothing lost.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View

from kapclinic.clinic.models import Appointment, JourneyError
from kapclinic.clinic.submissions import AlreadySaved
from kapclinic.clinic.views import StaffRequiredMixin
from sessions.models import SignedRecordError

from .. import services
from ..forms.clinician import AddendumForm, IntegrationNoteForm
from ..models import IntegrationNote
from ..models.notes import NOTE_FIELDS
from ..permissions import CLINICIANS, NOTE_AUTHORS
from .clinician import audit_view, role_of

NOTE_TEMPLATE = "integration/note.html"


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
        audit_view(request, appointment.course, f"integration note, appointment {appointment.pk}")
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
