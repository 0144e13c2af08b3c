"""How every form's fields are drawn: one renderer for the whole site (settings.FORM_RENDERER).

A tick box's label reads as a statement beside the box ("That was yesterday"), and a question
ends at its question mark, "(optional)" or not ("Would you like to tell us why? (optional)"):
neither takes a colon. Every other label keeps Django's "Label:".

A short box with a maxlength says its limit ("Up to 60 characters.") in its help text, which
Django ties to the box with aria-describedby: the browser stops typing at the limit without a
word otherwise. Long boxes show a live count instead (static/js/text-counter.js)."""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

OPTIONAL = " (optional)"


def _is_a_question(label):
    return str(label or "").removesuffix(OPTIONAL).endswith("?")


# Single-line boxes whose limit a person can reach; an email address never nears its 254.
_SHORT_BOXES = {"text", "tel", "search"}


def _limit_hint(field):
    widget = field.widget
    limit = getattr(field, "max_length", None)
    if not limit or widget.is_hidden or getattr(widget, "input_type", None) not in _SHORT_BOXES:
        return ""
    return f"Up to {limit:,} characters."


class ClinicBoundField(BoundField):
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        if hint := _limit_hint(field):
            self.help_text = f"{self.help_text} {hint}" if self.help_text else hint

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if label_suffix is None and (self.widget_type == "checkbox" or _is_a_question(self.label)):
            label_suffix = ""
        return super().label_tag(contents, attrs, label_suffix, tag)


class ClinicFormRenderer(DjangoTemplates):
    bound_field_class = ClinicBoundField


# Widgets whose label names a group: the link goes to the group's first choice.
_GROUPED = {"radioselect", "checkboxselectmultiple"}


def answers_to_fix(form):
    """("Label: first error", id to link to) for each visible field in error, in page order:
    the error summary links each one (GOV.UK's pattern), so a phone scrolls to it."""
    fixes = []
    for field in form.visible_fields():
        if not field.errors:
            continue
        label = str(field.label or "")
        what = (
            f"{label} {field.errors[0]}" if _is_a_question(label) else f"{label}: {field.errors[0]}"
        )
        anchor = f"{field.auto_id}_0" if field.widget_type in _GROUPED else field.id_for_label
        fixes.append((what, anchor))
    return fixes
