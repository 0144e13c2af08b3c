"""A service's refusal lands on the form that asked for it (kapclinic/clinic/form_views.py)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from kapclinic.clinic.form_views import refusals_shown_on
from kapclinic.clinic.forms import FieldErrorsForm
from kapclinic.clinic.models import JourneyError


class ReasonForm(FieldErrorsForm):
    reason = forms.CharField()


def valid_form():
    form = ReasonForm({"reason": "moved by the patient"})
    assert form.is_valid()
    return form


def test_field_refusal_shows_beside_its_field():
    form = valid_form()
    with refusals_shown_on(form, JourneyError):
        raise ValidationError({"reason": ["Say why in more words."]})
    assert form.errors == {"reason": ["Say why in more words."]}


def test_named_refusal_shows_above_the_form():
    form = valid_form()
    with refusals_shown_on(form, JourneyError):
        raise JourneyError("The course is closed.")
    assert form.non_field_errors() == ["The course is closed."]


def test_refusal_not_named_is_not_swallowed():
    form = valid_form()
    with pytest.raises(JourneyError), refusals_shown_on(form):
        raise JourneyError("The course is closed.")
    assert not form.errors


def test_agreed_write_runs_the_whole_block():
    form, reached = valid_form(), []
    with refusals_shown_on(form, JourneyError):
        reached.append("success")
    assert reached == ["success"] and not form.errors
