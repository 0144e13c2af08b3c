"""Where the current request came from, for audit rows written deep inside transitions."""

import contextvars
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RequestOrigin:
    ip: str | None
    path: str
    user_agent: str


_origin: contextvars.ContextVar[RequestOrigin | None] = contextvars.ContextVar(
    "audit_origin", default=None
)


def current_origin():
    return _origin.get()


def client_ip(request):
    """REMOTE_ADDR, or the first X-Forwarded-For hop when a trusted proxy sets it."""
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45] or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Remember the request's origin for the duration of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _origin.set(
            RequestOrigin(
                ip=client_ip(request),
                path=request.path[:300],
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)
