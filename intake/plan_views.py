"""The treatment plan page: the version in force, earlier versions, and a prescriber's revision.

Thin: the rules (who may sign, versions, immutability) are in `intake/plans.py`.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.forms import FieldErrorsForm, OneTimeKeyMixin
from kapclinic.clinic.mixins import StaffRequiredMixin, staff_course
from kapclinic.clinic.models import JourneyError, Product, Role, Route
from kapclinic.clinic.submissions import AlreadySaved

from .models import TreatmentPlan
from .plans import PLAN_TERMS, revise_plan


class PlanRevisionForm(OneTimeKeyMixin, FieldErrorsForm):
    """A new version of the plan: every term, prefilled from the version in force."""

    route = forms.ChoiceField(choices=Route.choices)
    product = forms.ChoiceField(choices=Product.choices)
    dose_min_mg = forms.DecimalField(label="Lowest dose (mg)", min_value=0.01, decimal_places=2)
    dose_max_mg = forms.DecimalField(label="Highest dose (mg)", min_value=0.01, decimal_places=2)
    planned_dosing_sessions = forms.IntegerField(label="Dosing sessions planned", min_value=1)
    integration_cadence = forms.CharField(max_length=200)
    goals = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(
        label="Reason for the change",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Signed with your name; the earlier version stays on record.",
    )


class PlanView(StaffRequiredMixin, View):
    """Every member of the care team reads the plan; only a prescriber signs a revision."""

    template_name = "intake/plan.html"

    def get_course(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, "treatment plan", VIEW)
        return course

    def get(self, request, pk):
        course = self.get_course(request, pk)
        return self.render(request, course)

    def post(self, request, pk):
        course = self.get_course(request, pk)
        form = PlanRevisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            terms = {name: data[name] for name in PLAN_TERMS}
            try:
                revision = revise_plan(
                    course, request.user, terms, data["reason"], request_key=data["request_key"]
                )
            except AlreadySaved as duplicate:
                messages.warning(request, str(duplicate))
                return self.render(request, course, status=409)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Plan version {revision.version} signed.")
                return redirect("intake:plan", course.pk)
        return self.render(request, course, form=form, status=422)

    def render(self, request, course, form=None, status=200):
        plan = TreatmentPlan.objects.filter(course=course).select_related("decision").first()
        versions = []
        if plan is not None:
            revisions = list(plan.revisions.select_related("signed_by").order_by("-version"))
            versions = [*revisions, plan]
        current = versions[0] if versions else None
        provider = provider_for(request.user)
        may_revise = (
            current is not None
            and course.is_open
            and provider is not None
            and provider.role == Role.PRESCRIBER
        )
        if not may_revise and form is not None:
            # A refused revision from someone the form is not shown to: say why at the top.
            for error in form.non_field_errors():
                messages.error(request, error)
        if may_revise and form is None:
            form = PlanRevisionForm(initial={name: getattr(current, name) for name in PLAN_TERMS})
        context = {
            "course": course,
            "patient": course.patient,
            "current": current,
            "earlier": versions[1:],
            "form": form if may_revise else None,
        }
        return render(request, self.template_name, context, status=status)
