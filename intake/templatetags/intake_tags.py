from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look up a key in a dict from a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def step_rows(step, answers):
    """A step's answers as the patient saw the questions (their check page)."""
    return step.rows(answers)


@register.filter
def clinical_rows(step, answers):
    """A step's answers under the clinical labels (the prescriber's review)."""
    return step.rows(answers, clinical=True)
