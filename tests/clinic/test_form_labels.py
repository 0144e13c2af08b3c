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


class Contact(forms.Form):
    relationship = forms.CharField(label="Relationship to you", max_length=60)
    phone = forms.CharField(label="Phone", max_length=40, help_text="A mobile is best.")
    email = forms.EmailField(label="Email", max_length=254)
    story = forms.CharField(label="Your story", max_length=4000, widget=forms.Textarea)


def test_a_short_box_says_its_limit_and_ties_it_to_the_box():
    """A box with a maxlength stopped typing without a word: its limit is now hint text
    that the box names in aria-describedby, so a screen reader reads it too."""
    html = str(Contact()["relationship"].as_field_group())
    assert '<div class="helptext" id="id_relationship_helptext">Up to 60 characters.</div>' in html
    assert 'aria-describedby="id_relationship_helptext"' in html


def test_the_limit_follows_the_help_text_already_given():
    assert Contact()["phone"].help_text == "A mobile is best. Up to 40 characters."


def test_long_boxes_and_email_addresses_are_left_to_their_counter_and_the_standard():
    # A long box has its live count (static/js/text-counter.js); an address is never that long.
    assert Contact()["story"].help_text == ""
    assert Contact()["email"].help_text == ""


def test_a_box_over_its_limit_is_still_refused_beside_it_by_the_server():
    form = Contact({"relationship": "x" * 61, "phone": "1"})
    assert form.errors["relationship"] == [
        "Ensure this value has at most 60 characters (it has 61)."
    ]
