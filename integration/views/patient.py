"""The patient's phase-3 pages, from their phone: the journal and follow-up questionnaires.

Only the signed-in patient's own entries and questionnaire requests are reachable (anyone
else's is a 404, so they are never confirmed to exist); staff are refused by
PatientRequiredMixin. Writing, sharing and answering go through integration.services, which
write the audit trail; a patient reading their own journal is not logged, as on their other
pages. A refused or invalid submission comes back with everything the patient typed.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from kapclinic.clinic.mixins import PatientRequiredMixin, safe_next
from kapclinic.clinic.models import TreatmentCourse
from kapclinic.clinic.steps import unanswered
from kapclinic.clinic.submissions import AlreadySaved
from kapclinic.measures.forms import InstrumentForm
from sessions.models import DosingSession

from .. import services
from ..forms.patient import JournalEntryForm
from ..models import IntegrationError, JournalDraft, JournalEntry, JournalPrompt, MeasureRequest

JOURNAL = "integration/journal.html"
ENTRIES_PER_PAGE = 20
# Set only by our own redirects after a write or share that raised a safety flag, so the
# page may say the care team has been told. It changes wording, never what is shown.
TOLD = "told"
DRAFT_FIELDS = ("body", "prompt", "dosing_session")
DRAFT_KEPT = (
    "Your entry is kept as a draft. Only you can see it: it becomes an entry, private or "
    "shared as you choose, when you save it."
)
SAVED_FOR_LATER = (
    "Your answers are saved for later. They are not sent to your care team until you send them."
)


def own_entries(user):
    """The patient's own entries: the privacy rule lives in JournalEntry.objects.visible_to."""
    return (
        JournalEntry.objects.visible_to(user)
        .filter(course__patient__user_id=user.pk)
        .select_related("dosing_session")
    )


def own_requests(user):
    return (
        MeasureRequest.objects.visible_to(user)
        .filter(course__patient__user_id=user.pk)
        .select_related("course__clinic", "course__patient", "response")
    )


def entry_url(entry, *, told=False):
    url = reverse("integration:journal-entry", args=[entry.pk])
    return f"{url}?support={TOLD}#support" if told else url


# --- The journal -------------------------------------------------------------------------------


class JournalView(PatientRequiredMixin, View):
    """The patient's entries, newest first, and the form to write another."""

    def current_course(self):
        return (
            TreatmentCourse.objects.visible_to(self.request.user)
            .filter(patient=self.patient)
            .select_related("clinic")
            .order_by("-created_at")
            .first()
        )

    def own_draft(self, course):
        """The entry this patient began and kept for later, if any: theirs alone."""
        return JournalDraft.objects.visible_to(self.request.user).filter(course=course).first()

    def build_form(self, course, data=None, draft=None):
        initial = draft.as_initial() if draft is not None else {}
        if data is None and (prompt := self.request.GET.get("prompt", "")).isdigit():
            initial["prompt"] = int(prompt)
        return JournalEntryForm(
            data,
            initial=initial,
            prompts=JournalPrompt.objects.filter(clinic_id=course.clinic_id, active=True),
            sessions=DosingSession.objects.visible_to(self.request.user)
            .filter(course=course)
            .order_by("-started_at"),
        )

    def render_page(self, course, form=None, status=200, *, draft=None):
        page = Paginator(own_entries(self.request.user), ENTRIES_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        return render(
            self.request,
            JOURNAL,
            {
                "course": course,
                "clinic": course.clinic if course else self.patient.clinic,
                "form": form,
                "draft": draft,
                "page_obj": page,
                "entries": page.object_list,
                "here": self.request.get_full_path(),
            },
            status=status,
        )

    def get(self, request):
        course = self.current_course()
        if course is None:
            return self.render_page(None)
        draft = self.own_draft(course)
        return self.render_page(course, self.build_form(course, draft=draft), draft=draft)

    def post(self, request):
        course = self.current_course()
        if course is None:
            return self.render_page(None)
        if request.POST.get("leave") == "1":
            draft = self.own_draft(course)
            return self.keep_for_later(course, self.build_form(course, request.POST, draft), draft)
        form = self.build_form(course, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.write_journal_entry(
                    request.user,
                    course,
                    data["body"],
                    prompt=data["prompt"],
                    dosing_session=data["dosing_session"],
                    share=data["share"],
                    request_key=data["request_key"],
                )
            except AlreadySaved as duplicate:
                # Sent twice (a double tap, a retry): one entry, shown with a fresh form.
                messages.warning(request, str(duplicate))
                return self.render_page(course, self.build_form(course), status=409)
            except IntegrationError as error:
                form.add_error(None, str(error))
            else:
                entry = result.entry
                if result.show_crisis_resources:
                    # Crisis resources at once, beside the entry just written.
                    return redirect(entry_url(entry, told=result.flag is not None))
                messages.success(
                    request,
                    "Saved and shared with your care team."
                    if entry.is_shared
                    else "Saved. This entry is private: only you can see it.",
                )
                return redirect(f"{reverse('integration:journal')}#entry-{entry.pk}")
        return self.render_page(course, form)

    def keep_for_later(self, course, form, draft):
        """Leaving by "Save for later" or "Back to my journey": what changed is kept as a draft
        (not an entry, not shared), then home; risk wording shows the crisis resources first."""
        if set(form.changed_data) - {"request_key"}:
            try:
                typed = {name: form[name].data or "" for name in DRAFT_FIELDS}
                draft = services.save_journal_draft(
                    self.request.user, course, **typed, share=bool(form["share"].data)
                )
            except ValidationError as error:
                form.add_error(None, error)
                return self.render_page(course, form, draft=draft)
            if draft is not None and draft.mentions_risk:
                return self.render_page(course, self.build_form(course, draft=draft), draft=draft)
            if draft is not None:
                messages.success(self.request, DRAFT_KEPT)
        return redirect("clinic:my-journey")


class JournalEntryView(PatientRequiredMixin, View):
    """One entry in full, with crisis resources beside it when it mentions risk."""

    def get(self, request, pk):
        entry = get_object_or_404(own_entries(request.user).select_related("course__clinic"), pk=pk)
        return render(
            request,
            "integration/journal_entry.html",
            {
                "entry": entry,
                "clinic": entry.course.clinic,
                "full": True,
                "told": request.GET.get("support") == TOLD and entry.is_shared,
                "here": request.get_full_path(),
            },
        )


class ShareEntryView(PatientRequiredMixin, View):
    """Share an entry with the care team (or, with share=False, make it private again).

    With htmx the answer is the entry's card, swapped in place; without JavaScript the same
    POST redirects back to the page it came from.
    """

    share = True

    def post(self, request, pk):
        entry = get_object_or_404(
            own_entries(request.user).select_related("course__clinic", "course__patient"), pk=pk
        )
        clinic = entry.course.clinic
        told = False
        try:
            if self.share:
                result = services.share_journal_entry(entry, request.user)
                told = result.flag is not None
            else:
                services.unshare_journal_entry(entry, request.user)
        except IntegrationError as error:
            messages.error(request, str(error))
            return redirect(safe_next(request, reverse("integration:journal")))
        entry = own_entries(request.user).get(pk=entry.pk)
        if request.htmx:
            return render(
                request,
                f"{JOURNAL}#entry",
                {
                    "entry": entry,
                    "clinic": clinic,
                    "told": told,
                    "changed": True,
                    "here": safe_next(request, ""),
                    "full": request.POST.get("full") == "1",
                },
            )
        if told:
            return redirect(entry_url(entry, told=True))
        messages.success(
            request,
            "Shared with your care team."
            if self.share
            else "This entry is private again: only you can see it.",
        )
        back = safe_next(request, reverse("integration:journal"))
        return redirect(back if "#" in back else f"{back}#entry-{entry.pk}")


# --- Follow-up questionnaires ----------------------------------------------------------------


class MeasureView(PatientRequiredMixin, View):
    """A questionnaire the clinic asked for. Sent half-filled, it comes back with every answer
    kept and each missing item marked; an urgent answer shows crisis resources at once.

    "Back to my journey" sends the form too: what was changed is kept as a draft (not an
    answer: nothing scored, nothing counted) and the page opens with it next time.
    """

    template_name = "integration/measure.html"

    def load(self, pk):
        self.measure = get_object_or_404(own_requests(self.request.user), pk=pk)
        now = timezone.now()
        self.open = (
            self.measure.status == MeasureRequest.Status.REQUESTED
            and self.measure.opens_at <= now < self.measure.expires_at
        )

    def draft_form(self, data=None):
        return InstrumentForm(self.measure.definition, data, initial=self.measure.draft_answers)

    def render_form(self, form, *, crisis=False, saved=False):
        return render(
            self.request,
            self.template_name,
            {
                "measure": self.measure,
                "clinic": self.measure.course.clinic,
                "form": form,
                "open": self.open,
                "crisis": crisis,
                "saved": saved,
                "missing": unanswered(form) if form is not None and form.is_bound else [],
            },
        )

    def get(self, request, pk):
        self.load(pk)
        if self.measure.status == MeasureRequest.Status.COMPLETED:
            return redirect("integration:measure-done", self.measure.pk)
        if not self.open:
            return self.render_form(None)
        # An urgent answer kept in a draft is met again each time the page opens.
        draft = self.measure.draft_answers
        return self.render_form(
            self.draft_form(), crisis=bool(draft and services.urgent_answers(self.measure, draft))
        )

    def post(self, request, pk):
        self.load(pk)
        leaving = request.POST.get("leave") == "1"
        if not self.open:
            return redirect("clinic:my-journey") if leaving else self.get(request, pk)
        form = self.draft_form(request.POST)
        if leaving:
            return self.keep_for_later(form)
        if not form.is_valid():
            services.save_measure_draft(self.measure, request.user, form.partial_answers())
            urgent = services.flag_unfinished_answers(
                self.measure, request.user, form.partial_answers()
            )
            return self.render_form(form, crisis=bool(urgent))
        try:
            services.answer_measure_request(self.measure, request.user, form.answers())
        except IntegrationError as error:
            # Closed or answered meanwhile (another tab): say so, and show what was typed.
            form.add_error(None, str(error))
            self.open = False
            for field in form.fields.values():
                field.disabled = True
            return self.render_form(form)
        return redirect("integration:measure-done", self.measure.pk)

    def keep_for_later(self, form):
        """Leaving by "Back to my journey": what changed is kept as a draft, then home, unless
        an urgent answer calls for the crisis resources first (its flag raised as on sending)."""
        if form.has_changed():
            answers = form.partial_answers()
            services.save_measure_draft(self.measure, self.request.user, answers)
            if services.flag_unfinished_answers(self.measure, self.request.user, answers):
                return self.render_form(self.draft_form(), crisis=True, saved=True)
            messages.success(self.request, SAVED_FOR_LATER)
        return redirect("clinic:my-journey")


class MeasureDoneView(PatientRequiredMixin, View):
    """Thanks, and crisis resources when an answer raised a safety flag."""

    def get(self, request, pk):
        measure = get_object_or_404(own_requests(request.user), pk=pk)
        if measure.status != MeasureRequest.Status.COMPLETED:
            return redirect("integration:measure", measure.pk)
        return render(
            request,
            "integration/measure_done.html",
            {
                "measure": measure,
                "clinic": measure.course.clinic,
                "crisis": measure.response.has_urgent_flag,
            },
        )
