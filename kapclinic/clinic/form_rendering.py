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
