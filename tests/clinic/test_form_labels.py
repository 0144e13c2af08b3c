"""Labels as the site's one form renderer draws them (settings.FORM_RENDERER): "Label:" for a
box to fill, but no colon after a tick box's statement or a question, optional or not."""

from django import forms


class Questions(forms.Form):
    name = forms.CharField(label="Your name")
    why = forms.CharField(label="Would you like to tell us why? (optional)", required=False)
    share = forms.BooleanField(label="Share this entry with my care team", required=False)


def label_of(name):
    return Questions()[name].label_tag()


def test_a_box_to_fill_keeps_its_colon():
    assert ">Your name:</label>" in label_of("name")


def test_an_optional_question_ends_at_its_question_mark():
    assert ">Would you like to tell us why? (optional)</label>" in label_of("why")


def test_a_tick_box_statement_takes_no_colon():
    assert ">Share this entry with my care team</label>" in label_of("share")
