"""The decision form is drawn once per process: never with another review's override field."""

import re

from intake.forms import ReviewDecisionForm


def override_wrapper(html):
    return re.search(r"<div[^>]*>\s*<label[^>]*for=\"id_override_reason\"", html).group(0)


def test_the_override_field_follows_each_review_not_the_cached_drawing():
    without = str(ReviewDecisionForm(has_absolute=False).as_div())
    with_absolute = str(ReviewDecisionForm(has_absolute=True).as_div())
    assert "hidden" in override_wrapper(without)
    assert 'data-follow-up-when="cleared"' in override_wrapper(with_absolute)
    assert "hidden" not in override_wrapper(with_absolute)


def test_the_message_and_the_plan_belong_to_their_own_decisions():
    html = str(ReviewDecisionForm().as_div())
    message = re.search(r"<div[^>]*>\s*<label[^>]*for=\"id_message_to_patient\"", html).group(0)
    assert 'data-follow-up-when="more_information"' in message
    dose = re.search(r"<div[^>]*>\s*<label[^>]*for=\"id_dose_min_mg\"", html).group(0)
    assert 'data-follow-up-when="cleared"' in dose
