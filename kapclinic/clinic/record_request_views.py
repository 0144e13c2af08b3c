"""Requests about a record: the clinic's list of them, and one request answered by a clinician.

The patient asks on their "A copy of my record" page (kapclinic/reports/views.py); the rules
are in `record_requests`. Opening a request reads the patient's record, so it is audited.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from kapclinic.audit.trail import VIEW, audit

from . import record_requests
from .form_views import refusals_shown_on
from .forms import FieldErrorsForm
from .mixins import StaffRequiredMixin
from .models import RecordRequest
from .text_limits import SHORT_REASON


class AnswerForm(FieldErrorsForm):
    outcome = forms.ChoiceField(
        label="Outcome", choices=RecordRequest.Outcome.choices, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label="Answer to the patient",
        max_length=SHORT_REASON,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The patient reads this on their phone: what was sent or corrected, or why "
        "it was declined.",
    )
    release_notes = forms.BooleanField(
        label="Release their signed notes in the app",
        required=False,
        help_text="With “done”: the patient downloads a PDF of their clinicians' notes signed "
        "by now (assessment, dosing and integration sessions, with addenda). To withhold them, "
        "decline and say why.",
    )

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != RecordRequest.Kind.NOTES:
            del self.fields["release_notes"]


class RecordRequestListView(StaffRequiredMixin, View):
    """The clinic's requests: the open ones by the day they are due, then the latest answered."""

    def get(self, request):
        mine = RecordRequest.objects.visible_to(request.user).select_related("patient__clinic")
        return render(
            request,
            "clinic/record_requests.html",
            {
                "waiting": list(mine.open().order_by("due_on", "pk")),
                "answered": list(
                    mine.filter(answered_at__isnull=False).order_by("-answered_at", "-pk")[:20]
                ),
            },
        )


class RecordRequestView(StaffRequiredMixin, View):
    """One request, read (audited) and answered once."""

    def fetch(self, pk):
        """The request, of the staff member's clinic (another clinic's is simply not there)."""
        self.record_request = get_object_or_404(
            RecordRequest.objects.visible_to(self.request.user).select_related(
                "patient__clinic", "answered_by"
            ),
            pk=pk,
        )

    def get(self, request, pk):
        self.fetch(pk)
        audit(request.user, self.record_request.patient, "request about the record", VIEW)
        return self.page(AnswerForm(kind=self.record_request.kind))

    def post(self, request, pk):
        self.fetch(pk)
        form = AnswerForm(request.POST, kind=self.record_request.kind)
        if form.is_valid():
            with refusals_shown_on(form):
                data = form.cleaned_data
                record_requests.answer(self.record_request, request.user, **data)
                messages.success(request, "Answered. The patient reads it on their phone.")
                return redirect("clinic:record-requests")
        return self.page(form, status=422)

    def page(self, form, status=200):
        return render(
            self.request,
            "clinic/record_request.html",
            {"record_request": self.record_request, "form": form},
            status=status,
        )
