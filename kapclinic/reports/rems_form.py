"""The Spravato REMS Patient Monitoring Form as a PDF, from the fields generated from the
session record (sessions/rems_form.py), as kept by `kapclinic.rems`.

What was submitted is what prints: the fields are frozen once staff record the submission.
"""

from operator import attrgetter

from kapclinic.rems.models import MonitoringForm

from .render import printed_for

TEMPLATE = "reports/rems_monitoring_form.html"
course_of = attrgetter("appointment.course")  # whose clinic and patient it is


def records():
    """Forms with what the report header needs; scope it with `.visible_to(user)`."""
    return MonitoringForm.objects.select_related(
        "appointment__course__clinic", "appointment__course__patient", "submitted_recorded_by"
    )


def build_context(form, *, generated_by, generated_at=None):
    course = course_of(form)
    return {"form": form, "fields": form.fields, **printed_for(course, generated_by, generated_at)}


def title(form):
    return f"Spravato REMS Patient Monitoring Form, session of {form.session_on:%-d %b %Y}"


def filename(form):
    return f"rems-monitoring-form-{form.pk}.pdf"
