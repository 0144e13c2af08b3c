"""Fast inserts for the scale seed: reserved primary keys, then PostgreSQL COPY.

Rows are plain dicts keyed by column (attname, e.g. `course_id`); a field left out gets the
model's default, so a row is what `Model(**row).save()` would have written, minus save()'s
side effects. Nothing here ever updates a row: signed records are inserted in their final state.
"""

import datetime
import io
import json
import uuid
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone


def reserve_ids(model, count):
    """A block of `count` primary keys no other writer will be given (PostgreSQL sequences)."""
    table = model._meta.db_table
    if count <= 0:
        return range(0)
    if connection.vendor != "postgresql":
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        start = max(last, getattr(model, "_scale_reserved", 0)) + 1
        model._scale_reserved = start + count - 1
        return range(start, start + count)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


class Ids:
    """Hands out reserved keys one at a time, reserving a new block when one runs out."""

    def __init__(self, model, block=5000):
        self.model, self.block, self._ids = model, block, iter(())

    def __call__(self):
        try:
            return next(self._ids)
        except StopIteration:
            self._ids = iter(reserve_ids(self.model, self.block))
            return next(self._ids)


def _defaults(model, now):
    """Column → callable giving the value of a field the row left out."""
    filled = {}
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled[field.attname] = lambda: now
        elif field.has_default():
            filled[field.attname] = field.get_default
        elif field.null:
            filled[field.attname] = lambda: None
        elif isinstance(field, (models.CharField, models.TextField)):
            filled[field.attname] = lambda: ""
    return filled


def _text(value, field):
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(field, models.JSONField):
        value = json.dumps(value, cls=DjangoJSONEncoder)
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    elif isinstance(value, (int, Decimal, uuid.UUID)):
        return str(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def insert(model, rows):
    """Insert `rows` (dicts with their `id`) into the model's table; returns how many."""
    if not rows:
        return 0
    now = timezone.now()
    fields = model._meta.concrete_fields
    defaults = _defaults(model, now)
    columns = [field.attname for field in fields]
    complete = []
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
        values = []
        for name in columns:
            if name in row:
                values.append(row[name])
            elif name in defaults:
                values.append(defaults[name]())
            else:
                raise ValueError(f"{model.__name__} row without {name}")
        complete.append(values)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, values, strict=True))) for values in complete],
            batch_size=500,
        )
        return len(complete)
    buffer = io.StringIO()
    for values in complete:
        buffer.write(
            "\t".join(_text(value, field) for value, field in zip(values, fields, strict=True))
        )
        buffer.write("\n")
    buffer.seek(0)
    quoted = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN", buffer)
    return len(complete)
