"""No write behind an error: a failure after a clinical entry committed never reads as a loss.

A clinician shown "Server error" after pressing Save assumes nothing was kept and enters it
again. This middleware watches the clinical rows a POST commits; if the request then fails
(rendering the refreshed screen, saving the session, an audit side effect, a lost database
connection), the answer says what was saved and asks for a reload instead of a re-entry.
"""

import logging
import re

from django.apps import apps
from django.db import connection, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger("kapclinic.outage")

# Apps whose rows are the clinical record (history, audit and login rows accompany them).
CLINICAL_APPS = {"clinic", "dosing", "intake", "integration", "measures"}
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE)\s+"?([\w.]+)"?', re.IGNORECASE)


def _clinical_tables():
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in CLINICAL_APPS and not meta.object_name.startswith("Historical"):
            tables[meta.db_table] = str(meta.verbose_name)
    return tables


class _Recorder:
    """Notes each clinical row a statement writes, once its transaction has committed."""

    def __init__(self, tables):
        self.tables = tables
        self.saved = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        name = match and self.tables.get(match.group(1))
        if name:
            connection = context["connection"]
            if connection.in_atomic_block:
                transaction.on_commit(lambda: self.saved.append(name), using=connection.alias)
            else:
                self.saved.append(name)
        return result


class SavedThenFailedMiddleware:
    """Sees the 500 any inner layer (the view, the session save) turned a failure into."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.tables = None

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        if self.tables is None:
            self.tables = _clinical_tables()
        recorder = _Recorder(self.tables)
        with connection.execute_wrapper(recorder):
            response = self.get_response(request)
        if response.status_code >= 500 and recorder.saved:
            what = sorted(set(recorder.saved))
            log.error(
                "%s %s failed after saving %s; answered with what was saved",
                request.method,
                request.path,
                ", ".join(what),
            )
            # Rendered without the request: its context processors would query the database,
            # which may be what just failed.
            page = render_to_string(
                "clinic/saved_then_failed.html",
                {"saved": what, "fragment": request.headers.get("HX-Request") == "true"},
            )
            response = HttpResponse(page, status=200)
            # The layers that add these were skipped by the failure.
            response["Cache-Control"] = "no-store"
            response["X-Frame-Options"] = "DENY"
            response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
        return response
