"""A number outside its limits, refused in a clinician's words: "Systolic BP: enter a number
from 50 to 300 mmHg.", not Django's "Ensure this value is less than or equal to 300.". The words
are built from the field's own limits (the model's and protocol's, copied into the form) and the
unit in its label, "Systolic BP (mmHg)", so no form words them by hand.
"""

import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.utils import pretty_name

# A unit as it reads after a number; any other is written after a space.
UNIT_WORDS = {"%": "%", "/min": " per minute", "min": " minutes", "minutes": " minutes"}
_NAME_AND_UNIT = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]+)\)\s*:?$")
# Django's own words for these codes, which a field may have replaced with its own (kept).
_RANGE_CODES = ("min_value", "max_value")
_SIZE_CODES = ("max_digits", "max_whole_digits")


def plain(number):
    """A limit as a clinician writes it: 300, 0.1, 43 (no trailing zeros)."""
    return f"{Decimal(str(number)).normalize():f}"


def name_and_unit(field, name):
    """ "Systolic BP (mmHg)" → ("Systolic BP", " mmHg"); a label without a unit → (label, "")."""
    label = str(field.label or pretty_name(name))
    match = _NAME_AND_UNIT.match(label)
    if not match:
        return label, ""
    unit = match["unit"]
    return match["name"], UNIT_WORDS.get(unit, f" {unit}")


def limits(validators):
    """The narrowest range the validators allow: (low, high), either None when unbounded."""
    lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    return (max(lows) if lows else None), (min(highs) if highs else None)


def range_words(name, unit, low, high):
    """Said after the label, so it reads alike for "Systolic BP", "Devices" or "Every"."""
    if low is not None and high is not None:
        return f"{name}: enter a number from {plain(low)} to {plain(high)}{unit}."
    if low is not None:
        return f"{name}: enter a number of at least {plain(low)}{unit}."
    return f"{name}: enter a number of at most {plain(high)}{unit}."


def _stock(field, code):
    """Whether the field still shows Django's words for `code` (the validator's own, unless
    the field class or the form replaced them)."""
    for cls in type(field).__mro__:
        default = getattr(cls, "default_error_messages", {}).get(code)
        if default is not None:
            return field.error_messages.get(code) == default
    return code not in field.error_messages


def word_limits(field, name, model_validators=()):
    """Put the field's limits (and its model field's) into words, leaving any message a form
    wrote itself."""
    low, high = limits([*field.validators, *model_validators])
    said = {}
    if low is not None or high is not None:
        words = range_words(*name_and_unit(field, name), low, high)
        said.update(dict.fromkeys(_RANGE_CODES, words))
        if high is not None:  # 3000 kg: too many digits is the same slip as too heavy
            said.update(dict.fromkeys(_SIZE_CODES, words))
    places = getattr(field, "decimal_places", None)
    if places is not None:
        name_only = name_and_unit(field, name)[0]
        plural = "" if places == 1 else "s"
        said["max_decimal_places"] = f"{name_only}: enter at most {places} decimal place{plural}."
    for code, words in said.items():
        if _stock(field, code):  # Django fills in the validator's %(…)s: a "%" is doubled
            field.error_messages[code] = words.replace("%", "%%")


class LimitsInWords(forms.Form):
    """A form whose bounded numbers are refused in words; one slip is said once, not once for
    each check it fails (3000 kg is both above 300 and too many digits)."""

    def full_clean(self):
        # Worded when checked, so fields a form adds in its __init__ are worded too.
        for name, field in self.fields.items():
            word_limits(field, name)
        super().full_clean()
        for errors in (self._errors or {}).values():
            seen = set()
            errors.data[:] = [e for e in errors.data if not (str(e) in seen or seen.add(str(e)))]
