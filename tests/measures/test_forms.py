"""InstrumentForm: fields generated from definitions, errors beside items, drafts, branching."""

import dataclasses
import re

import pytest
from django import forms
from django.template.loader import render_to_string

from kapclinic.instruments import INSTRUMENTS, InvalidContext, get_instrument
from kapclinic.measures.forms import NOT_AN_ANSWER, REQUIRED, InstrumentForm

PHQ9 = get_instrument("phq9")
CSSRS = get_instrument("cssrs_screen")
PHQ9_ITEMS = [f"q{n}" for n in range(1, 10)]
CSSRS_NO = {"q1": "0", "q2": "0", "q6": "0"}


def phq9_form(data=None, **kwargs):
    return InstrumentForm(PHQ9, data, **kwargs)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_every_item_becomes_a_radio_scale_in_order(code):
    instrument = get_instrument(code)
    form = InstrumentForm(instrument)
    assert list(form.fields) == [item.key for item in instrument.items]
    for number, item in enumerate(instrument.items, start=1):
        field = form.fields[item.key]
        assert isinstance(field, forms.TypedChoiceField)
        assert isinstance(field.widget, forms.RadioSelect)
        assert field.widget.attrs["class"] == "choice-scale"
        assert field.label == f"{number}. {item.text}"
        assert field.choices == [(option.value, option.label) for option in item.options]
    assert form.instrument is instrument


def test_unconditional_items_follow_the_definitions_required_flag():
    form = phq9_form()
    assert all(form.fields[key].required for key in PHQ9_ITEMS)
    assert not form.fields["difficulty"].required


def test_blank_form_puts_a_required_error_beside_each_required_item():
    form = phq9_form({})
    assert not form.is_valid()
    assert set(form.errors) == set(PHQ9_ITEMS)
    assert all(form.errors[key] == [REQUIRED] for key in PHQ9_ITEMS)


def test_half_filled_form_names_only_the_missing_items():
    form = phq9_form({"q1": "2", "q2": "1"})
    assert not form.is_valid()
    assert set(form.errors) == set(PHQ9_ITEMS) - {"q1", "q2"}


@pytest.mark.parametrize("value", ["7", "-1", "abc", "1.5", ""])
def test_a_value_outside_the_answers_is_refused_beside_its_item(value):
    data = {key: "1" for key in PHQ9_ITEMS} | {"q4": value}
    form = phq9_form(data)
    assert not form.is_valid()
    assert list(form.errors) == ["q4"]
    assert form.errors["q4"] == [REQUIRED if value == "" else NOT_AN_ANSWER]


def test_valid_form_returns_int_answers_and_the_score():
    data = {key: "1" for key in PHQ9_ITEMS} | {"q9": "0", "difficulty": "2"}
    form = phq9_form(data)
    assert form.is_valid(), form.errors
    assert form.answers() == {key: 1 for key in PHQ9_ITEMS} | {"q9": 0, "difficulty": 2}
    assert form.score.total == 8
    assert form.score.band.label == "Mild"


def test_blank_optional_item_is_left_out_of_the_answers():
    form = phq9_form({key: "0" for key in PHQ9_ITEMS})
    assert form.is_valid()
    assert "difficulty" not in form.answers()


def test_answers_of_an_invalid_form_are_refused():
    form = phq9_form({"q1": "1"})
    with pytest.raises(ValueError, match="partial_answers"):
        form.answers()


def test_partial_answers_keep_every_valid_answer_from_an_invalid_post():
    form = phq9_form({"q1": "2", "q2": "9", "q3": "abc", "q9": "1", "unknown": "3"})
    assert not form.is_valid()
    assert form.partial_answers() == {"q1": 2, "q9": 1}


def test_partial_answers_need_no_validation_first():
    assert phq9_form({"q5": "3"}).partial_answers() == {"q5": 3}
    assert phq9_form().partial_answers() == {}


def test_partial_answers_are_accepted_by_the_instrument_as_a_draft():
    form = InstrumentForm(CSSRS, {"q1": "1", "q2": "0", "q3": "0", "q4": "1"})
    answers = form.partial_answers()
    assert answers == {"q1": 1, "q2": 0}
    CSSRS.score(answers, partial=True)  # no InvalidAnswer


def test_scoring_context_reaches_the_instrument():
    auditc = get_instrument("auditc")
    data = {"q1": "1", "q2": "1", "q3": "1"}  # 3: positive for women only
    female = InstrumentForm(auditc, data, scoring_context={"sex": "female"})
    male = InstrumentForm(auditc, data, scoring_context={"sex": "male"})
    assert female.is_valid() and male.is_valid()
    assert female.score.flags and not male.score.flags


def test_a_bad_scoring_context_fails_loudly():
    form = InstrumentForm(
        get_instrument("pcl5"), {"q1": "0"}, scoring_context={"provisional_cutoff": 99}
    )
    with pytest.raises(InvalidContext):
        form.is_valid()


def test_initial_answers_are_shown_checked():
    html = render_to_string("measures/_questionnaire.html", {"form": phq9_form(initial={"q1": 2})})
    assert re.search(r'<input[^>]*name="q1"[^>]*value="2"[^>]*checked', html)


# --- C-SSRS branching -----------------------------------------------------------------------


def test_cssrs_items_after_a_no_are_not_required():
    form = InstrumentForm(CSSRS, CSSRS_NO)
    assert form.is_valid(), form.errors
    assert form.answers() == {"q1": 0, "q2": 0, "q6": 0}
    assert form.score.tier is None


def test_cssrs_items_after_a_yes_become_required():
    form = InstrumentForm(CSSRS, CSSRS_NO | {"q2": "1", "q6": "1"})
    assert not form.is_valid()
    assert set(form.errors) == {"q3", "q4", "q5", "q6b"}
    assert all(form.errors[key] == [REQUIRED] for key in form.errors)


def test_cssrs_full_yes_path_scores_high_risk():
    data = CSSRS_NO | {"q2": "1", "q3": "0", "q4": "1", "q5": "0"}
    form = InstrumentForm(CSSRS, data)
    assert form.is_valid(), form.errors
    assert form.score.tier.key == "high"
    assert form.score.urgent


def test_cssrs_no_to_a_skipped_item_is_set_aside_quietly():
    form = InstrumentForm(CSSRS, CSSRS_NO | {"q3": "0", "q6b": "0"})
    assert form.is_valid(), form.errors
    assert "q3" not in form.answers() and "q6b" not in form.answers()


def test_cssrs_yes_to_a_skipped_item_is_refused_not_dropped():
    form = InstrumentForm(CSSRS, CSSRS_NO | {"q4": "1"})
    assert not form.is_valid()
    assert list(form.errors) == ["q4"]
    assert "“Yes” to question 2" in form.errors["q4"][0]


def test_cssrs_conditional_items_carry_a_hint_and_no_html_required():
    form = InstrumentForm(CSSRS)
    hints = {q.item.key: q.hint for q in form.questions}
    assert hints["q3"] == "Answer this only if you answered “Yes” to question 2."
    assert hints["q6b"] == "Answer this only if you answered “Yes” to question 6."
    assert hints["q1"] == ""
    html = render_to_string("measures/_questionnaire.html", {"form": form})
    assert not re.search(r'<input[^>]*name="q3"[^>]*required', html)
    assert re.search(r'<input[^>]*name="q1"[^>]*required', html)


# --- Rendering ------------------------------------------------------------------------------


def render(form):
    return render_to_string("measures/_questionnaire.html", {"form": form})


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_include_renders_every_item_in_its_own_fieldset_with_the_licence(code):
    from django.utils.html import escape

    instrument = get_instrument(code)
    html = render(InstrumentForm(instrument))
    assert html.count("<fieldset") == len(instrument.items)
    assert html.count("<legend>") == len(instrument.items)
    for item in instrument.items:
        assert escape(item.text) in html
    assert escape(instrument.licence) in html
    assert html.count('type="radio"') == sum(len(item.options) for item in instrument.items)
    assert 'class="choice-scale"' in html


def test_include_shows_stem_and_instructions():
    instrument = dataclasses.replace(PHQ9, instructions="Choose one answer per line.")
    html = render(InstrumentForm(instrument))
    assert "Over the last 2 weeks" in html
    assert "Choose one answer per line." in html


def test_errors_sit_inside_the_fieldset_and_are_announced_with_the_inputs():
    html = render(phq9_form({"q1": "1"}))
    fieldsets = re.findall(r"<fieldset[^>]*>.*?</fieldset>", html, re.S)
    assert "Please answer" not in fieldsets[0]  # q1 was answered
    second = fieldsets[1]
    assert "form-field--error" in second
    error_id = re.search(r'class="field-error" id="([^"]+)"', second).group(1)
    assert "Please answer this question." in second
    inputs = re.findall(r"<input[^>]*>", second)
    assert inputs and all(f'aria-describedby="{error_id}"' in tag for tag in inputs)
    assert all('aria-invalid="true"' in tag for tag in inputs)


def test_each_radio_has_a_label_bound_to_it():
    html = render(phq9_form())
    ids = re.findall(r'<input[^>]*id="([^"]+)"', html)
    assert ids and all(f'for="{id_}"' in html for id_ in ids)


def test_include_escapes_licensed_text_and_needs_no_script_or_inline_style():
    hostile = "<script>alert(1)</script>"
    texts = {item.key: f"{hostile} {item.key}" for item in CSSRS.items}
    instrument = CSSRS.with_licensed_text(texts, stem="<b>stem</b>", instructions=hostile)
    html = render(InstrumentForm(instrument, CSSRS_NO | {"q4": "1"}))
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; q1" in html
    assert "style=" not in html
    assert not re.search(r"<[^>]+\son\w+=", html)
