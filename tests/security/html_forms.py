"""The forms a page offers, read with a WHATWG HTML parser the way a browser would see them.

The fuzz tests post to what the page really shows (field names, select options, hidden
inputs, the htmx target), so a form is fuzzed the day it is added to a template.
"""

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import tinyhtml5

# Input types whose value a person types; the rest are picked from what the page offers.
TYPED = {
    "text",
    "search",
    "email",
    "tel",
    "url",
    "password",
    "number",
    "date",
    "time",
    "datetime-local",
    "month",
    "week",
    "textarea",
}
NOT_SENT = {"reset", "button", "image", "file"}


@dataclass
class Field:
    name: str
    kind: str  # an input type, "select", "textarea" or "submit"
    values: list = field(default_factory=list)  # what the page offers or pre-fills
    multiple: bool = False
    required: bool = False

    @property
    def typed(self):
        return self.kind in TYPED


@dataclass
class Form:
    action: str  # the path the browser posts to (htmx's hx-post wins, as in the browser)
    page: str  # the page that shows the form
    fields: dict = field(default_factory=dict)

    def describe(self):
        return ", ".join(f"{f.name}:{f.kind}" for f in self.fields.values())


def _controls(root, form):
    """Every named control of `form`, including ones outside it that point at it by id."""
    inside = [e for e in form.iter() if e.get("name")]
    form_id = form.get("id")
    outside = [e for e in root.iter() if form_id and e.get("form") == form_id and e.get("name")]
    return inside + outside


def _add(fields, element):
    tag, name = element.tag, element.get("name")
    if tag == "input":
        kind = (element.get("type") or "text").lower()
        if kind in NOT_SENT:
            return
        value = element.get("value", "on" if kind in ("checkbox", "radio") else "")
        if kind == "submit":
            value = element.get("value", "")
    elif tag == "button":
        kind = (element.get("type") or "submit").lower()
        if kind != "submit":
            return
        value = element.get("value", "")
    elif tag == "select":
        kind = "select"
        options = [
            o.get("value", (o.text or "").strip()) for o in element.iter() if o.tag == "option"
        ]
        entry = fields.setdefault(name, Field(name, kind))
        entry.values += options
        entry.multiple = element.get("multiple") is not None
        entry.required = element.get("required") is not None
        return
    elif tag == "textarea":
        kind, value = "textarea", element.text or ""
    else:
        return
    entry = fields.setdefault(name, Field(name, kind))
    entry.values.append(value)
    entry.multiple = entry.multiple or kind == "checkbox"
    entry.required = entry.required or element.get("required") is not None


def forms_on(html, page_url):
    """The POST forms on a page, with their absolute action paths."""
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    found = []
    for form in root.iter("form"):
        htmx = form.get("hx-post")
        if (form.get("method") or "get").lower() != "post" and not htmx:
            continue
        action = urlsplit(urljoin(page_url, htmx or form.get("action") or page_url)).path
        fields = {}
        for element in _controls(root, form):
            _add(fields, element)
        found.append(Form(action=action, page=page_url, fields=fields))
    return found
