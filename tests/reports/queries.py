"""How many queries a report's read makes: the same for a short record as for a long one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def context_queries(module, obj):
    """The queries `module.build_context` makes for `obj`, read as the report reads it."""
    obj = module.records().get(pk=obj.pk)
    with CaptureQueriesContext(connection) as ctx:
        module.build_context(obj, generated_by="x")
    return len(ctx.captured_queries)
