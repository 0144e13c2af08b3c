"""The Spravato REMS Patient Monitoring Form as a PDF, from the fields generated from the
session record (sessions/rems_form.py), as kept by `kapclinic.rems`.

What was submitted is what prints: the fields are frozen once staff record the submission.
"""

from django.utils import timezone

from kapclinic.rems.models import MonitoringForm

from .render import render_for_course

TEMPLATE = "reports/rems_monitoring_form.html"


def forms():
    """Forms with what the report header needs; scope it with `.visible_to(user)`."""
    return MonitoringForm.objects.select_related(
        "appointment__course__clinic", "appointment__course__patient", "submitted_recorded_by"
    )


def render(form, *, generated_by, page_size=None):
    course = form.appointment.course
    day = f"{form.session_on:%-d %b %Y}"
    title = f"Spravato REMS Patient Monitoring Form: {course.patient.legal_name}, {day}"
    context = {
        "form": form,
        "fields": form.fields,
        "patient": course.patient,
        "clinic": course.clinic,
        "generated_by": generated_by,
        "generated_at": timezone.now(),
    }
    return render_for_course(
        course,
        TEMPLATE,
        context,
        title=title,
        filename=f"rems-monitoring-form-{form.pk}.pdf",
        page_size=page_size,
    )
