"""A wrong REPORT_PAGE_SIZE shows at start-up, not when a clinician downloads a report."""

from django.conf import settings
from django.core.checks import Error, register

from .render import PAGE_SIZES


@register()
def report_page_size(app_configs, **kwargs):
    if settings.REPORT_PAGE_SIZE in PAGE_SIZES:
        return []
    return [
        Error(
            f"REPORT_PAGE_SIZE is {settings.REPORT_PAGE_SIZE!r}.",
            hint=f"Use one of: {', '.join(PAGE_SIZES)}.",
            id="reports.E001",
        )
    ]
