"""Field declarations the phases' clinical records share, written once so they stay alike."""

from django.db import models


def optional_link(to, *, link=models.ForeignKey, **kwargs):
    """A link a record may leave empty; while it is set, what it points to is kept (PROTECT)."""
    return link(to, on_delete=models.PROTECT, null=True, blank=True, **kwargs)
