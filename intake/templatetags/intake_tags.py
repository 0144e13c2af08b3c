from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look up a key in a dict from a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def step_rows(step, answers):
    return step.rows(answers)
