"""How every form's fields are drawn: one renderer for the whole site (settings.FORM_RENDERER).

A tick box's label reads as a statement beside the box ("That was yesterday"), and a question
ends at its question mark, "(optional)" or not ("Would you like to tell us why? (optional)"):
neither takes a colon. Every other label keeps Django's "Label:"."""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

OPTIONAL = " (optional)"


def _is_a_question(label):
    return str(label or "").removesuffix(OPTIONAL).endswith("?")


class ClinicBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if label_suffix is None and (self.widget_type == "checkbox" or _is_a_question(self.label)):
            label_suffix = ""
        return super().label_tag(contents, attrs, label_suffix, tag)


class ClinicFormRenderer(DjangoTemplates):
    bound_field_class = ClinicBoundField


# Widgets whose label names a group: the link goes to the group's first choice.
_GROUPED = {"radioselect", "checkboxselectmultiple"}


def answers_to_fix(form):
    """(label, first error, id to link to) for each visible field in error, in page order:
    the error summary links each one (GOV.UK's pattern), so a phone scrolls to it."""
    fixes = []
    for field in form.visible_fields():
        if not field.errors:
            continue
        anchor = f"{field.auto_id}_0" if field.widget_type in _GROUPED else field.id_for_label
        fixes.append((field.label, field.errors[0], anchor))
    return fixes
