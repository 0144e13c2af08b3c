"""`{% call_back_after clinic as call_back %}`: when a clinician can call a patient who has
just given an urgent answer (None: today), from the clinic's opening hours and closed days."""

from django import template

from kapclinic.clinic.models.opening_hours import call_back_after as when

register = template.Library()


@register.simple_tag
def call_back_after(clinic):
    return when(clinic)
