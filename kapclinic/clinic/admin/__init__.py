"""Django admin for clinic admins: each sees and edits their own clinic only.

`base` holds what every app's admin builds on; the other modules register the core's models
(importing them here is what registers them, as `admin.autodiscover()` imports this package).
"""

from . import (  # noqa: F401  (registers the core's admins)
    people,
    protocol,
    record_requests,
    resources,
    safety,
    series,
)
from .base import (
    ClinicHistoryAdmin,
    ClinicScopedAdmin,
    ReadOnlyAdminMixin,
    ReadOnlyClinicalAdmin,
    ReadOnlyInline,
    admin_clinic_id,
)

__all__ = [
    "ClinicHistoryAdmin",
    "ClinicScopedAdmin",
    "ReadOnlyAdminMixin",
    "ReadOnlyClinicalAdmin",
    "ReadOnlyInline",
    "admin_clinic_id",
]
