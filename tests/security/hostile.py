"""Hostile values a browser could send, mixed with the values a page offers.

Only what a real browser can post: no lone surrogates (they cannot be UTF-8 encoded), but NUL
and every other control character, bidi overrides and zero-width marks, markup, template and
SQL fragments, impossible dates and times, and numbers no field expects. Each field gets the
page's own value most of the time, so a hostile value in one field meets validation that
the others let through.
"""

import datetime

from django.utils import timezone
from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What must never reach a page unescaped.
RAW_MARKUP = ("<script>alert(", "<img src=x onerror")

TEXT = [
    SCRIPT,
    IMG,
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "'; DROP TABLE clinic_patient; --",
    "' OR '1'='1",
    '"',
    "\\",
    "%00",
    "\x00",
    "a\x00b",
    "\x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f",
    "\r\n\r\n",
    "\u202egnp.exe",  # right-to-left override
    "\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d",  # other bidi marks
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width characters
    "😀👩🏽‍⚕️🏳️‍🌈",
    "مرحبا بالعالم",
    "١٢٣",
    "\U0010ffff\ufffe",
    "",
    " ",
    "x" * 100_000,
    "<" * 5000 + ">" * 5000,
    "👩🏽‍⚕️" * 20_000,
]
DATES = [
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
    "2026-13-01",
    "1-01-01",
    "-2026-01-01",
    "2026-02-29",
    "1900-01-01",
    "9999-12-31",
    "today",
    "٢٠٢٦-٠١-٠١",
]
TIMES = ["25:61", "24:00", "-1:00", "12:60", "99:99:99", "23:59:60", "12:00:00.9999999", "noon"]
DATETIMES = [
    "2026-02-30T10:00",
    "0000-00-00T00:00",
    "99999-01-01T10:00",
    "2026-01-01T25:61",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-03-29T01:30",  # the hour that does not exist when European clocks go forward
]
NUMBERS = [
    "1e308",
    "-1e308",
    "1e-400",
    "-1",
    "0",
    "-0",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    str(10**30),
    str(-(10**30)),
    "9" * 400,
    "2147483648",
    "9223372036854775808",
    "١٢٣",
    "0x10",
    "1_000",
    "1,5",
    "12.345678901234567890",
    " 7 ",
]
EVERYTHING = TEXT + DATES + TIMES + DATETIMES + NUMBERS

# A browser can send any character except a lone surrogate (category Cs).
browser_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def _typed_default(field, scene_today):
    """A plausible value for a typed field the page leaves empty."""
    kind = field.kind
    if kind == "number":
        return "1"
    if kind == "date":
        return scene_today.isoformat()
    if kind == "time":
        return "10:00"
    if kind == "datetime-local":
        return timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    if kind == "email":
        return "someone@example.com"
    if kind == "tel":
        return "+44 7700 900123"
    return "A plain answer."


def hostile_value():
    return st.one_of(
        st.sampled_from(EVERYTHING),
        browser_text,
        # A valid-looking prefix with a hostile tail gets past "is it a number/date" checks
        # only as far as the parser lets it.
        st.tuples(st.sampled_from(["1", "2026-01-01", "10:00", "ok"]), st.sampled_from(TEXT)).map(
            "".join
        ),
    )


def good_values(field, known, today):
    """What a person would post: the page's options or value, the sweep's known-good data."""
    offered = [v for v in field.values if v != ""] if field.kind != "submit" else field.values
    if field.name in known:
        value = known[field.name]
        offered = [*(value if isinstance(value, list) else [value]), *offered]
    if field.typed and not offered:
        offered = [_typed_default(field, today)]
    return [str(v) for v in offered] or [""]


FIXED = {"csrfmiddlewaretoken"}  # a browser never changes it; a wrong one is a plain 403


@st.composite
def form_data(draw, form, known=None, today=None):
    """POST data for `form`: per field a good value, a hostile one, nothing, or both twice."""
    known = known or {}
    today = today or datetime.date.today()
    data = {}
    for field in form.fields.values():
        good = good_values(field, known, today)
        if field.name in FIXED:
            data[field.name] = good[0]
            continue
        choice = draw(st.integers(0, 9))
        if choice <= 4:
            if field.multiple and len(good) > 1:
                data[field.name] = draw(st.lists(st.sampled_from(good), max_size=3, unique=True))
            else:
                data[field.name] = draw(st.sampled_from(good))
        elif choice <= 7:
            data[field.name] = draw(hostile_value())
        elif choice == 8:
            continue  # a missing field
        else:  # the field twice: a good value and a hostile one
            data[field.name] = [draw(st.sampled_from(good)), draw(hostile_value())]
    if draw(st.integers(0, 9)) == 0:  # a field no form defines
        data[draw(st.sampled_from(["id", "pk", "status", "version", "__proto__"]))] = draw(
            hostile_value()
        )
    return data
