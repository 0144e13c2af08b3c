"""`{% site_nav_links %}`: the layout's navigation links, drawn once per process for each kind of
user and page, then reused.

Every page drew them afresh: ten `{% url %}` reversals and their conditions, about a fifth of
the layout's cost. The links hold no name, no patient data and no token (the signed-in person
and the sign-out form stay in base.html), so the key is only what they depend on: whether the
user is staff or a patient, the role, the admin flag, the page's URL name and the URL setup.
"""

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe

register = template.Library()

_DRAWN = {}
_MOST_KEPT = 5_000  # a few roles × the URL names: never reached; a bound all the same


@register.simple_tag(takes_context=True)
def site_nav_links(context):
    user, provider = context["user"], context.get("current_provider")
    match = getattr(context.get("request"), "resolver_match", None)
    shown = {
        "staff": bool(provider or user.is_superuser),
        "role": provider.role if provider else None,
        "patient": bool(context.get("current_patient")),
        "is_staff": bool(user.is_staff),
        "url_name": match.url_name if match else None,
        "view_name": match.view_name if match else None,
        "namespace": match.namespace if match else None,
    }
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), *shown.values())
    html = _DRAWN.get(key)
    if html is None:
        if len(_DRAWN) >= _MOST_KEPT:
            _DRAWN.clear()
        html = _DRAWN[key] = get_template("clinic/_site_nav_links.html").render(shown).rstrip()
    return mark_safe(html)  # noqa: S308  drawn from our own template, autoescaped


_STATIC = {}


@register.simple_tag
def static_kept(path):
    """`{% static %}`, asked once per process: the layout's five assets went through the
    manifest storage's URL building on every page. Forgotten when the static settings change."""
    url = _STATIC.get(path)
    if url is None:
        url = _STATIC[path] = static(path)
    return url


@receiver(setting_changed)
def _forget_static(setting, **kwargs):
    if setting.startswith("STATIC") or setting == "STORAGES":
        _STATIC.clear()
