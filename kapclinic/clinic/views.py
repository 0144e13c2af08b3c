"""Home pages: the clinician's caseload and patient chart, the patient's journey."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, FormView, ListView, TemplateView

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.plain import StaffAccess
from kapclinic.audit.trail import VIEW, audit

from . import selectors
from .access import (
    chart_reader,
    is_staff_member,
    may_request_emergency_access,
    patient_for,
    provider_for,
)
from .badges import attach_badges
from .forms import EmergencyAccessForm
from .mixins import PatientRequiredMixin, StaffRequiredMixin, safe_next
from .models import (
    CourseState,
    EmergencyAccess,
    JourneyError,
    Patient,
    SafetyFlag,
    TreatmentCourse,
)
from .patient_journey import patient_journey
from .protocol_signing import waiting_for_sign_off


def home(request):
    """Send each person to their own starting page."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if is_staff_member(request.user):
        return redirect("clinic:caseload")
    if patient_for(request.user) is not None:
        return redirect("clinic:my-journey")
    return render(request, "clinic/no_role.html", status=403)


def too_many_requests(request):
    """allauth's refusal of a sign-in attempt (kapclinic.urls.handler429).

    While Redis is down attempts cannot be counted, so every sign-in is refused on purpose
    (kapclinic/clinic/redis_outage.py): say so plainly rather than "too many attempts".
    """
    from .redis_outage import REDIS

    if REDIS.is_down:
        return render(request, "clinic/sign_in_paused.html", status=503)
    return render(request, "429.html", status=429)


def bench_bare(request):
    """The benchmark's ceiling (mounted only with KAP_BENCH): the signed-in session the pages
    use, then no page behind it. A lost session answers 403, so wrk reports it instead of
    silently measuring a cheaper signed-out request."""
    if not request.user.is_authenticated:
        return HttpResponse("not signed in", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_required
@never_cache
@require_safe
def keep_alive(request):
    """The page's "still here" (Stay signed in, or someone typing): any request pushes the
    idle expiry forward, and this one opens no record, so it writes nothing to the patient's
    "Who viewed my record". Signed out, it sends to sign in and the page reloads."""
    return HttpResponse("ok", content_type="text/plain")


class PageAndTotalPaginator(Paginator):
    """Reads a page's rows and the total in one query (`COUNT(*) OVER ()` on the page).

    The total is taken from the rows themselves; only a page past the end (no rows) falls back
    to Django's own count and its usual answer (an empty first page, or page not found).
    """

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)
        if number < 1 or self.orphans:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(page_total=Window(Count("*")))[
                bottom : bottom + self.per_page
            ]
        )
        if not rows:
            return super().page(number)
        self.__dict__["count"] = rows[0].page_total
        return self._get_page(rows, number, self)


class CaseloadView(StaffRequiredMixin, ListView):
    """The clinic's caseload. Searches are POSTed, so a patient's name never sits in a URL.

    A plain POST keeps the search in the session under a short token and redirects (303) to
    `?search=<token>`; an htmx POST answers the results at once and pushes that same URL.
    """

    template_name = "clinic/caseload.html"
    context_object_name = "courses"
    paginate_by = 25
    paginator_class = PageAndTotalPaginator
    search_token = ""
    search_expired = False

    def get(self, request, *args, **kwargs):
        token = request.GET.get("search", "")
        q = selectors.recall_search(request.session, token) if token else None
        self.search_expired = bool(token) and q is None
        self.search_token = token if q else ""
        self.filters = selectors.CaseloadFilters.from_query(request.GET, q=q or "")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.filters = selectors.CaseloadFilters.from_query(
            request.POST, q=request.POST.get("q", "")
        )
        self.search_token = selectors.remember_search(request.session, self.filters.q)
        query = self.filters.query_string(self.search_token)
        location = reverse("clinic:caseload") + (f"?{query}" if query else "")
        if not request.htmx:
            return HttpResponseRedirect(location, status=303)
        response = super().get(request, *args, **kwargs)
        response["HX-Push-Url"] = location
        return response

    def get_queryset(self):
        return selectors.caseload(self.request.user, self.filters)

    def get_template_names(self):
        # htmx search swaps only the results table.
        if self.request.htmx:
            return [f"{self.template_name}#caseload-results"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filters=self.filters,
            stages=CourseState.choices,
            page_query=self.filters.query_string(self.search_token),
            search_expired=self.search_expired,
            **kwargs,
        )
        context["courses"] = context["object_list"] = caseload_rows(context["object_list"])
        if not self.request.htmx:  # the director's protocols to sign: the whole page only
            context["to_sign"] = waiting_for_sign_off(provider_for(self.request.user))
        return context


def caseload_rows(courses):
    """The page's rows with their link, labels and local time worked out once, in Python.

    Per-row `{% url %}`, `get_FOO_display`, an included badge and two `|date` filters were most
    of the caseload's rendering time; the HTML is the same.
    """
    chart = reverse("clinic:patient-chart", args=[0]).rsplit("0", 1)
    indications = dict(TreatmentCourse._meta.get_field("indication").flatchoices)
    states = dict(CourseState.choices)
    rows = attach_badges(courses)  # e.g. a consent to sign before the next session
    for course in rows:
        course.chart_url = str(course.patient_id).join(chart)
        course.indication_label = indications.get(course.indication, course.indication)
        course.state_label = states.get(course.state, course.state)
        when = course.next_appointment_at
        if when is not None:
            when = timezone.localtime(when)
            course.next_appointment_iso = when.isoformat()
            course.next_appointment_label = dateformat.format(when, "D j M, H:i")
    return rows


class PatientChartView(StaffRequiredMixin, DetailView):
    template_name = "clinic/patient_chart.html"
    context_object_name = "patient"

    def get_object(self, queryset=None):
        pk = self.kwargs["pk"]
        patient, self.emergency_access = chart_reader(self.request.user, pk)
        if patient is None:
            # Log the refused attempt against the record it aimed at, if it exists.
            if Patient.objects.filter(pk=pk).exists():
                AccessEvent.record(
                    actor=self.request.user,
                    action=AccessEvent.Action.DENIED,
                    what="patient chart",
                    patient_id=pk,
                )
            raise Http404("No patient found.")
        what = "patient chart (emergency access)" if self.emergency_access else "patient chart"
        audit(self.request.user, patient, what, VIEW)
        return patient

    def get_context_data(self, **kwargs):
        chart = selectors.patient_chart(self.object)
        return super().get_context_data(
            chart=chart, emergency_access=self.emergency_access, **kwargs
        )


class EmergencyAccessView(StaffRequiredMixin, FormView):
    """Break-glass: a clinician of another clinic opens a patient's chart, read-only, for a
    short window, after giving a reason. The patient's clinic admins are told."""

    template_name = "clinic/emergency_access.html"
    form_class = EmergencyAccessForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            minutes=settings.KAP_EMERGENCY_ACCESS_MINUTES,
            may_request=may_request_emergency_access(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        access = EmergencyAccess.open(
            user=self.request.user, patient=form.patient, reason=form.cleaned_data["reason"]
        )
        messages.warning(
            self.request,
            f"Emergency access opened until {timezone.localtime(access.expires_at):%H:%M}. "
            "The patient's clinic has been told.",
        )
        return redirect("clinic:patient-chart", access.patient_id)


class MyJourneyView(PatientRequiredMixin, TemplateView):
    template_name = "clinic/my_journey.html"

    def get_context_data(self, **kwargs):
        journey = patient_journey(self.patient)
        return super().get_context_data(patient=self.patient, journey=journey, **kwargs)


class WhoViewedMyRecordView(PatientRequiredMixin, ListView):
    """The patient's view of the trail: which staff opened their record, and when."""

    template_name = "audit/who_viewed.html"
    paginate_by = 25

    def get_queryset(self):
        return AccessEvent.objects.staff_access_to(self.patient)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(patient=self.patient, **kwargs)
        # Every emergency access to this patient, in one query: a handful in a lifetime.
        grants = list(EmergencyAccess.objects.filter(patient=self.patient).order_by("-granted_at"))
        context["accesses"] = [
            StaffAccess.of(event, self.patient, grants) for event in context["object_list"]
        ]
        return context


class ResolveSafetyFlagView(StaffRequiredMixin, View):
    """A clinician records what was done; only then is the flag closed. Suicide-risk flags
    go to the structured risk review instead."""

    def post(self, request, pk):
        flag = get_object_or_404(
            SafetyFlag.objects.visible_to(request.user).select_related("course"), pk=pk
        )
        if flag.is_suicide_risk:
            messages.error(request, "A suicide-risk flag is resolved by a structured risk review.")
            return redirect("clinic:risk-review", flag.pk)
        try:
            flag.resolve(request.user, request.POST.get("action_taken", ""))
            messages.success(request, "Safety flag resolved.")
        except JourneyError as error:
            messages.error(request, str(error))
        chart = reverse("clinic:patient-chart", args=[flag.course.patient_id])
        return redirect(safe_next(request, chart))
