"""`{{ form|answers_to_fix }}`: the fields in error, for the error summary a page shows first
(templates/clinic/_error_summary.html)."""

from django import template

from kapclinic.clinic.form_rendering import answers_to_fix as _answers_to_fix

register = template.Library()


@register.filter
def answers_to_fix(form):
    return _answers_to_fix(form)
