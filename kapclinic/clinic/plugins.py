"""Where shared pages find each phase's part: modules named after the plug-in point.

An app plugs into the chart timeline with a `timeline.py`, into the patient's to-do list with a
`home.py` and into staff course badges with a `badges.py`; each registers its sources with the
point's `@register`. Discovery imports those modules from every installed app, in
INSTALLED_APPS order (so sources keep that order), the way the admin finds `admin.py`. The core
stays free of phase imports: it only knows the module names.
"""

from django.utils.module_loading import autodiscover_modules

PLUG_IN_MODULES = ("timeline", "home", "badges")


def discover():
    autodiscover_modules(*PLUG_IN_MODULES)
