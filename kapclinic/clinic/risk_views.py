"""Pages of the suicide-risk workflow: the risk review, the safety plan, follow-up tasks.

Thin: each view finds the record through a scoped queryset, logs the read, and calls one
function of `risk.py`.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.measures.forms import InstrumentForm

from . import risk
from .access import provider_for
from .mixins import PatientRequiredMixin, StaffRequiredMixin, safe_next, staff_course
from .models import FollowUpTask, RiskReview, SafetyFlag, SafetyPlan
from .models.risk import SAFETY_PLAN_STEPS
from .risk_forms import CloseTaskForm, PsychiatricReviewForm, RiskReviewForm, SafetyPlanForm
from .submissions import AlreadySaved


class RiskReviewView(StaffRequiredMixin, View):
    """A suicide-risk flag: the structured review that resolves it, or the review made."""

    template_name = "clinic/risk_review.html"

    def get_flag(self, request, pk):
        flags = SafetyFlag.objects.visible_to(request.user).select_related(
            "course__patient", "course__clinic", "resolved_by"
        )
        flag = get_object_or_404(flags, pk=pk)
        if not flag.is_suicide_risk:
            raise Http404("This flag is not a suicide-risk flag.")
        return flag

    def get(self, request, pk):
        flag = self.get_flag(request, pk)
        audit(request.user, flag.course, f"risk review of safety flag {flag.pk}", VIEW)
        return self.render(request, flag)

    def post(self, request, pk):
        flag = self.get_flag(request, pk)
        form = RiskReviewForm(request.POST, clinic=flag.course.clinic)
        screen = InstrumentForm(
            risk.screen_instrument(flag.course.clinic), request.POST, prefix="screen"
        )
        if form.is_valid() & screen.is_valid():
            data = form.cleaned_data
            task = None
            if data["create_task"]:
                task = risk.TaskRequest(
                    owner=data["task_owner"],
                    description=data["task_description"],
                    due_at=data["task_due_at"],
                )
            try:
                risk.review_risk_flag(
                    flag,
                    request.user,
                    screen_answers=screen.answers(),
                    protective_factors=data["protective_factors"],
                    formulation=data["formulation"],
                    decision=data["decision"],
                    safety_plan_made=data["safety_plan_made"],
                    task=task,
                    request_key=data["request_key"],
                )
            except AlreadySaved as duplicate:
                # Sent twice (a double click, a retry): one review, shown as saved.
                messages.warning(request, str(duplicate))
                return self.render(request, flag, status=409)
            except risk.RiskError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, "Risk review recorded; the flag is resolved.")
                return redirect("clinic:risk-review", flag.pk)
        return self.render(request, flag, form=form, screen=screen, status=422)

    def render(self, request, flag, form=None, screen=None, status=200):
        course = flag.course
        review = (
            RiskReview.objects.filter(flag=flag)
            .select_related("reviewed_by")
            .prefetch_related("psychiatric_reviews__reviewed_by", "tasks__owner__user")
            .first()
        )
        provider = provider_for(request.user)
        context = {
            "flag": flag,
            "course": course,
            "patient": course.patient,
            "review": review,
            "may_review": risk.may_review_risk(provider),
        }
        if review is None:
            context["form"] = form or RiskReviewForm(clinic=course.clinic)
            context["screen"] = screen or InstrumentForm(
                risk.screen_instrument(course.clinic), prefix="screen"
            )
        else:
            context["psychiatric_reviews"] = list(review.psychiatric_reviews.all())
            context["blocking"] = risk.dosing_block(course) == review
            context["psychiatric_form"] = PsychiatricReviewForm()
            context["is_prescriber"] = provider is not None and provider.role == "prescriber"
        return render(request, self.template_name, context, status=status)


class PsychiatricReviewView(StaffRequiredMixin, View):
    def post(self, request, pk):
        review = get_object_or_404(
            RiskReview.objects.visible_to(request.user).select_related("course", "flag"), pk=pk
        )
        form = PsychiatricReviewForm(request.POST)
        if form.is_valid():
            try:
                # The findings, whether dosing may resume, and the form's one-time key.
                risk.record_psychiatric_review(review, request.user, **form.cleaned_data)
                messages.success(request, "Psychiatric review recorded.")
            except AlreadySaved as duplicate:
                messages.warning(request, str(duplicate))
            except risk.RiskError as error:
                messages.error(request, str(error))
        else:
            messages.error(request, "Write the findings of the psychiatric review.")
        return redirect("clinic:risk-review", review.flag_id)


class SafetyPlanView(StaffRequiredMixin, View):
    """The patient's safety plan: the current version, earlier ones, and a new version."""

    template_name = "clinic/safety_plan.html"

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, "safety plan", VIEW)
        plans = self.plans(course)
        return self.render(request, course, plans, self.fresh_form(plans))

    def post(self, request, pk):
        course = staff_course(request, pk)
        form = SafetyPlanForm(request.POST)
        if form.is_valid():
            try:
                plan = risk.save_safety_plan(course, request.user, form.cleaned_data)
            except AlreadySaved as duplicate:
                messages.warning(request, str(duplicate))
                plans = self.plans(course)
                return self.render(request, course, plans, self.fresh_form(plans), status=409)
            except risk.RiskError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, f"Safety plan version {plan.version} saved.")
                return redirect("clinic:safety-plan", course.pk)
        return self.render(request, course, self.plans(course), form, status=422)

    @staticmethod
    def fresh_form(plans):
        """A new version starts from the current one: the clinician edits what changed."""
        initial = {name: getattr(plans[0], name) for name, _ in SAFETY_PLAN_STEPS} if plans else {}
        return SafetyPlanForm(initial=initial)

    def plans(self, course):
        return list(
            SafetyPlan.objects.filter(patient_id=course.patient_id)
            .select_related("written_by")
            .order_by("-version")
        )

    def render(self, request, course, plans, form, status=200):
        context = {
            "course": course,
            "patient": course.patient,
            "plan": plans[0] if plans else None,
            "earlier": plans[1:],
            "form": form,
        }
        return render(request, self.template_name, context, status=status)


class MySafetyPlanView(PatientRequiredMixin, View):
    """The patient's own current safety plan, on their phone."""

    def get(self, request):
        plan = (
            SafetyPlan.objects.visible_to(request.user)
            .filter(patient=self.patient)
            .order_by("-version")
            .first()
        )
        audit(request.user, self.patient, "own safety plan", VIEW)
        return render(
            request, "clinic/my_safety_plan.html", {"patient": self.patient, "plan": plan}
        )


class CloseTaskView(StaffRequiredMixin, View):
    def post(self, request, pk):
        task = get_object_or_404(
            FollowUpTask.objects.visible_to(request.user).select_related("course"), pk=pk
        )
        form = CloseTaskForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Record the outcome before closing the task.")
        else:
            try:
                risk.close_follow_up_task(task, request.user, form.cleaned_data["outcome"])
                messages.success(request, "Follow-up task closed.")
            except risk.RiskError as error:
                messages.error(request, str(error))
        return redirect(safe_next(request, "/"))
