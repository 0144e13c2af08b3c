"""Phase 1 pages: staff invite and review; patients accept, fill in and submit their intake."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.mixins import PatientRequiredMixin, StaffRequiredMixin, staff_course
from kapclinic.clinic.models import (
    CourseState,
    JourneyError,
    Protocol,
    TreatmentCourse,
)
from kapclinic.clinic.submissions import AlreadySaved

from . import forms, invitations, selectors, services
from .models import Invitation
from .steps import STEP_BY_KEY

# --- Staff ---------------------------------------------------------------------------------


class InvitePatientView(StaffRequiredMixin, View):
    template_name = "intake/invite.html"

    def clinic(self):
        provider = provider_for(self.request.user)
        if provider is None:
            raise Http404("Only clinic staff can invite patients.")
        return provider.clinic

    def get(self, request):
        form = forms.InvitePatientForm(clinic=self.clinic())
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        clinic = self.clinic()
        earlier = invitations.invitation_for_request(clinic, request.POST.get("request_key"))
        if earlier is not None:  # the same form again: its patient exists, say so
            return self.already_saved(earlier)
        form = forms.InvitePatientForm(request.POST, clinic=clinic)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        data = form.cleaned_data
        try:
            # The form's fields are the invitation's: names, email, indication, care team, key.
            course = invitations.invite_patient(by=request.user, clinic=form.clinic, **data)
        except AlreadySaved as duplicate:
            return self.already_saved(duplicate.entry)
        messages.success(
            request,
            f"Invitation saved. Its email to {data['email']} is on its way; the chart shows "
            "when it is sent.",
        )
        return redirect("clinic:patient-chart", course.patient_id)

    def already_saved(self, course):
        """A double click or a retry of the invite form: nothing new, on to the chart."""
        messages.warning(
            self.request,
            "This invitation was already saved; nothing new was saved. The chart shows when "
            "its email is sent.",
        )
        return redirect("clinic:patient-chart", course.patient_id)


class ResendInvitationView(StaffRequiredMixin, View):
    def post(self, request, pk):
        course = staff_course(request, pk)
        try:
            invitations.resend_invitation(course, by=request.user)
            messages.success(
                request,
                "A new invitation is on its way; earlier links no longer work. The chart shows "
                "when its email is sent.",
            )
        except JourneyError as error:
            messages.error(request, str(error))
        return redirect("clinic:patient-chart", course.patient_id)


class ReviewView(StaffRequiredMixin, View):
    """Everything a prescriber needs to decide suitability, on one page."""

    template_name = "intake/review.html"

    def get_course(self, pk):
        course = staff_course(self.request, pk)
        audit(self.request.user, course, "intake review", VIEW)
        return course

    def context(self, course, form=None):
        record = selectors.suitability_review(course)
        # The plan starts from the signed-off default protocol; with none, nothing is
        # pre-filled (the page says so) rather than unsigned code values.
        protocol = Protocol.objects.effective_for(course.clinic)
        if form is None:
            initial = {"plan_goals": record["answers"].get("goals", {}).get("goals", "")}
            if protocol is not None:
                initial |= {
                    "route": protocol.route,
                    "product": protocol.product,
                    "dose_min_mg": protocol.dose_min_mg,
                    "dose_max_mg": protocol.dose_max_mg,
                    "planned_dosing_sessions": protocol.planned_dosing_sessions,
                    "integration_cadence": protocol.integration_cadence,
                }
            form = forms.ReviewDecisionForm(has_absolute=record["has_absolute"], initial=initial)
        return {
            "no_signed_protocol": protocol is None,
            "not_an_adult": course.patient.why_not_an_adult(),
            **record,
            "course": course,
            "patient": course.patient,
            "form": form,
            "can_decide": course.state == CourseState.UNDER_REVIEW,
            "can_start_review": course.state == CourseState.INTAKE_SUBMITTED,
            "steps": STEP_BY_KEY,
            # Completed questionnaires never change: they key the page's cached answers.
            "questionnaire_versions": [
                (q["response"].pk, q["response"].completed_at) for q in record["questionnaires"]
            ],
        }

    def get(self, request, pk):
        course = self.get_course(pk)
        return render(request, self.template_name, self.context(course))

    def post(self, request, pk):
        course = self.get_course(pk)
        if request.POST.get("action") == "start-review":
            try:
                course.begin_review(request.user)
            except JourneyError as error:
                messages.error(request, str(error))
            return redirect("intake:review", course.pk)
        ctx = self.context(course)
        form = forms.ReviewDecisionForm(request.POST, has_absolute=ctx["has_absolute"])
        if form.is_valid():
            try:
                services.record_decision(course, by=request.user, data=form.cleaned_data)
            except JourneyError as error:
                form.add_error(getattr(error, "field", None), str(error))
            else:
                messages.success(request, "Decision signed and recorded.")
                return redirect("intake:review", course.pk)
        ctx["form"] = form
        return render(request, self.template_name, ctx, status=200)


# --- Patient -------------------------------------------------------------------------------


class AcceptInvitationView(View):
    template_name = "intake/accept.html"

    def dispatch(self, request, token):
        self.invitation = Invitation.objects.find(token)
        if self.invitation is None or self.invitation.status != Invitation.Status.VALID:
            return render(
                request,
                "intake/invitation_invalid.html",
                {"invitation": self.invitation},
                status=410 if self.invitation else 404,
            )
        if request.user.is_authenticated:
            # Someone else's browser (a clinician checking the link, another patient on a
            # shared phone): accepting here would set the patient's password and use the link.
            return render(
                request, "intake/invitation_signed_in.html", {"invitation": self.invitation}
            )
        return super().dispatch(request, token)

    def form(self, data=None):
        return forms.AcceptInvitationForm(data, patient=self.invitation.course.patient)

    def get(self, request, token):
        return render(
            request, self.template_name, {"form": self.form(), "invitation": self.invitation}
        )

    def post(self, request, token):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                user = invitations.accept_invitation(
                    self.invitation, form.cleaned_data["password1"]
                )
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                login(request, user, backend="kapclinic.clinic.auth_backends.ClinicModelBackend")
                messages.success(request, "Welcome. Your answers save as you go.")
                return redirect("intake:start")
        return render(request, self.template_name, {"form": form, "invitation": self.invitation})


class PatientIntakeMixin(PatientRequiredMixin):
    def current_course(self):
        course = (
            TreatmentCourse.objects.filter(patient=self.patient)
            .select_related("clinic", "patient")
            .order_by("-created_at")
            .first()
        )
        if course is None:
            raise Http404("No course.")
        return course


class StartIntakeView(PatientIntakeMixin, View):
    """Resume where the patient left off, on any device."""

    def get(self, request):
        course = self.current_course()
        if not services.editable(course):
            return redirect("clinic:my-journey")
        state = services.progress(services.intake_record(course))
        if state["next"] is None:
            return redirect("intake:check")
        return redirect("intake:step", state["next"].key)


class CheckAnswersView(PatientIntakeMixin, View):
    """The review page before submitting: every answer, with links back to change it."""

    template_name = "intake/check_answers.html"

    def get(self, request):
        course = self.current_course()
        if not services.editable(course):
            return redirect("clinic:my-journey")
        record = services.intake_record(course)
        state = services.progress(record)
        responses = {
            s.instrument: services.questionnaire_response(course, s.instrument)
            for s in state["steps"]
            if s.is_questionnaire
        }
        return render(
            request,
            self.template_name,
            {
                "course": course,
                "record": record,
                "state": state,
                "responses": responses,
            },
        )

    def post(self, request):
        course = self.current_course()
        try:
            services.submit_intake(course, by=request.user)
        except JourneyError as error:
            messages.error(request, str(error))
            return redirect("intake:check")
        messages.success(request, "Thank you. Your intake has been sent to the clinic.")
        return redirect("clinic:my-journey")


class SupportView(PatientIntakeMixin, View):
    """The support page's old address: the support step itself, where it applies."""

    def get(self, request):
        course = self.current_course()
        record = services.intake_record(course)
        if STEP_BY_KEY["support"].applies(record.answers):
            return redirect("intake:step", "support")
        return redirect("intake:start")
