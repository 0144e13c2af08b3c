"""The live session screen's parts that every entry shares: its context, the htmx answer,
and EntryView, the one shape of each small POST (parse the form, call one service, answer
the swap).

Each entry is its own POST and its own row, so nothing typed waits on anything else and two
clinicians never overwrite each other. With htmx the response is the entry's form (fresh, or
with its errors) plus the display fragments it changed, swapped out of band; without
JavaScript the same POST redirects back to the screen at the section's anchor. Validation
errors come back with status 200 (htmx 2 does not swap 4xx responses by default).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django_htmx.http import reswap, retarget

from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import JourneyError
from kapclinic.clinic.records import SignedRecordError
from kapclinic.clinic.submissions import AlreadySaved

from ..dose_errors import may_strike
from ..forms import session as forms
from ..models import DosingSession
from ..screen import folded_sections, session_screen

TEMPLATE = "dosing/session.html"
# What any change to the gate redraws: the checklist, the override form (it appears once the
# failing checks may be overridden, and goes once an override covers them) and the hold above
# the dose form. Issue 14 finding 7: the override form was left out and needed a reload.
GATE = ("gate", "override-form", "dose-hold")


def staff_session(request, pk):
    """A session of the staff member's clinic, or 404 (another clinic's is simply not there)."""
    return get_object_or_404(
        DosingSession.objects.visible_to(request.user).select_related(
            "course__clinic", "appointment__clinician__user"
        ),
        pk=pk,
    )


def screen_url(session, anchor=""):
    url = reverse("dosing:session", args=[session.appointment_id])
    return f"{url}#{anchor}" if anchor else url


def fresh_forms(session, user):
    return {
        "weight_form": forms.WeightForm(initial={"weight_kg": session.weight_kg}),
        "companion_form": forms.CompanionForm(),
        "identity_form": forms.IdentityForm(),
        "override_form": forms.OverrideForm(),
        "dose_form": forms.DoseForm(session=session, user=user),
        "vitals_form": forms.VitalsForm(),
        "observation_form": forms.ObservationForm(),
        "event_form": forms.AdverseEventForm(),
        "discharge_form": forms.DischargeForm(),
        "addendum_form": forms.AddendumForm(),
        "sign_form": forms.SignForm(),
    }


def error_form_prefix(kind, pk):
    return f"error-{kind}-{pk}"


def screen_context(request, session, bound=None, alert_forms=None, error_forms=None):
    """The screen's data, its forms (a bound one kept as typed), one form per open alert,
    and an "entered in error" form per entry while the session is unsigned."""
    context = session_screen(session, request.user)
    context["folded"] = folded_sections(context)
    context.update(fresh_forms(session, request.user))
    context.update(bound or {})
    for alert in context["open_alerts"]:
        alert.ack_form = (alert_forms or {}).get(alert.pk) or forms.AcknowledgeAlertForm(
            prefix=f"alert-{alert.pk}"
        )
    if context["can_amend"]:
        error_forms = error_forms or {}
        role, user = context["role"], request.user
        doses = [
            dose
            for dose in context["dose_rows"]
            if may_strike(role, user, dose) or ("dose", dose.pk) in error_forms
        ]
        entries = (
            ("vitals", [row.reading for row in context["vitals_rows"]]),
            ("observation", context["observations"]),
            ("adverse-event", context["events"]),
            ("dose", doses),
        )
        for kind, rows in entries:
            for entry in rows:
                if not entry.entered_in_error:
                    entry.error_form = error_forms.get(
                        (kind, entry.pk)
                    ) or forms.EnteredInErrorForm(prefix=error_form_prefix(kind, entry.pk))
    return context


def render_parts(request, context, names, oob=()):
    """The named partials, then the out-of-band ones, as one htmx response body."""
    html = [render_to_string(f"{TEMPLATE}#{name}", context, request) for name in names]
    html += [
        render_to_string(f"{TEMPLATE}#{name}", {**context, "oob": True}, request) for name in oob
    ]
    return HttpResponse("".join(html))


class EntryView(StaffRequiredMixin, View):
    """One inline entry on the screen: parse the form, call one service, answer the swap."""

    form_class = None
    form_key = ""  # context name of the form, and its partial's name with "_" → "-"
    anchor = ""
    done = "Saved."
    refresh = ()  # display partials that change when this entry is saved
    whole_screen = False  # the entry changes what the screen offers (discharge, signing)

    def post(self, request, pk):
        self.session = staff_session(request, pk)
        with timezone.override(self.session.course.clinic.tz):
            form = self.get_form(data=request.POST)
            if form.is_valid():
                try:
                    self.result = self.perform(form)
                except AlreadySaved as duplicate:
                    return self.already_saved(duplicate)
                except ValidationError as error:
                    form.add_model_errors(error)
                except (JourneyError, SignedRecordError) as error:
                    form.add_error(None, str(error))
                else:
                    return self.saved()
            return self.refused(form)

    def get_form(self, data=None):
        return self.form_class(data)

    def perform(self, form):
        raise NotImplementedError

    @property
    def partial(self):
        return self.form_key.removesuffix("_form").replace("_", "-") + "-form"

    def context(self, bound=None, alert_forms=None):
        self.session.refresh_from_db()
        return screen_context(self.request, self.session, bound, alert_forms)

    def saved(self):
        request = self.request
        if not request.htmx:
            messages.success(request, self.done)
            return redirect(screen_url(self.session, self.anchor))
        return self.swap(self.context())

    def already_saved(self, duplicate):
        """The same form sent again (double click, retry, second tab): nothing new was
        written. The screen answers with the entry saved the first time and a fresh form:
        HTTP 409 for a plain post, 200 for htmx (which does not swap 4xx answers)."""
        self.result = duplicate.entry
        context = self.context()
        context["already_saved"] = {"form": self.form_key, "message": str(duplicate)}
        if not self.request.htmx:
            return render(self.request, TEMPLATE, context, status=409)
        return self.swap(context)

    def swap(self, context):
        request = self.request
        if self.whole_screen:
            response = render_parts(request, context, ["screen"])
            return reswap(retarget(response, "#session-screen"), "outerHTML")
        parts = self.oob_parts(context)
        if context["discharge"] is not None:
            parts = [name for name in parts if name != "discharge-preview"]
        return render_parts(request, context, [self.partial], parts)

    def oob_parts(self, context):
        return self.refresh

    def refused(self, form):
        context = self.context(bound={self.form_key: form})
        if self.request.htmx:
            return render_parts(self.request, context, [self.partial])
        return render(self.request, TEMPLATE, context)
