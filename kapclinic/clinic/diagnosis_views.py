"""A course's diagnoses: read by the clinic's staff, written by prescribers and therapists."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from kapclinic.audit.trail import VIEW, audit

from . import icd10
from .diagnoses import DiagnosisError, add_diagnosis, enter_in_error, may_diagnose
from .mixins import StaffRequiredMixin, staff_course
from .models import Diagnosis, TreatmentCourse


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        label="ICD-10-CM diagnosis",
        max_length=200,
        help_text="Type a code or words (e.g. F41.1 or anxiety) and pick from the list.",
        widget=forms.TextInput(attrs={"list": "icd10-codes", "autocomplete": "off"}),
    )
    primary = forms.BooleanField(label="Primary diagnosis", required=False)

    def clean_code(self):
        entry = icd10.lookup(self.cleaned_data["code"])
        if entry is None:
            raise forms.ValidationError("Pick a code from the ICD-10-CM list.")
        return entry.code


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(label="Why was it entered in error?", max_length=500)


class DiagnosesView(StaffRequiredMixin, View):
    template_name = "clinic/diagnoses.html"

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"diagnoses, course {course.pk}", VIEW)
        return self.render(request, course, DiagnosisForm())

    def post(self, request, pk):
        course = staff_course(request, pk)
        form = DiagnosisForm(request.POST)
        if form.is_valid():
            try:
                diagnosis = add_diagnosis(
                    course,
                    request.user,
                    form.cleaned_data["code"],
                    primary=form.cleaned_data["primary"],
                )
            except DiagnosisError as error:
                form.add_error("code", str(error))
            else:
                messages.success(request, f"Diagnosis {diagnosis} added.")
                return redirect("clinic:diagnoses", course.pk)
        return self.render(request, course, form, status=422)

    def render(self, request, course, form, status=200):
        context = {
            "course": course,
            "patient": course.patient,
            "diagnoses": list(
                Diagnosis.objects.filter(course=course).select_related(
                    "added_by", "entered_in_error_by"
                )
            ),
            "form": form,
            "error_form": EnteredInErrorForm(),
            "may_diagnose": may_diagnose(request.user, course),
            "codes": icd10.codes().values(),
            "icd10_version": icd10.version(),
        }
        return render(request, self.template_name, context, status=status)


class DiagnosisEnteredInErrorView(StaffRequiredMixin, View):
    def post(self, request, pk):
        diagnoses = Diagnosis.objects.filter(
            course__in=TreatmentCourse.objects.visible_to(request.user)
        ).select_related("course")
        diagnosis = get_object_or_404(diagnoses, pk=pk)
        form = EnteredInErrorForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why this diagnosis was entered in error.")
        else:
            try:
                enter_in_error(diagnosis, request.user, form.cleaned_data["reason"])
            except DiagnosisError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{diagnosis.code} marked entered in error.")
        return redirect("clinic:diagnoses", diagnosis.course_id)
