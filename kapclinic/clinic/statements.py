"""Statements compiled once per process, for the hottest pages' plain lists.

Building and compiling an ORM statement costs more than running it (about 0.6 ms of the 1 ms a
small list takes, in the session screen's and the chart's profiles), and those pages read the
same lists on every load with only their values changed: the session's or the patient's id, a
date. The first read compiles the queryset as usual; later reads run that same SQL with the new
values, through `raw()` for model objects (the same objects, field conversions and order) or
the ORM's own converters for `values_list` rows. Only the SQL text is kept, never a row, so
nothing read can be stale.
"""

import datetime
import inspect
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

_STATEMENTS = {}


# Stand-ins of each type, unlike any real value: compiled once with the real values and once
# with these, a statement shows which of its parameters are the caller's and which constants.
_PROBE_BASE = -1_000_000_007
_PROBE_TIME = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)


def _probe(value, index):
    if isinstance(value, int) and not isinstance(value, bool):
        return _PROBE_BASE - index
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return None
        return _PROBE_TIME + datetime.timedelta(seconds=index)
    if isinstance(value, datetime.date):
        return _PROBE_TIME.date() + datetime.timedelta(days=index)
    return None


@dataclass(frozen=True)
class _Statement:
    sql: str
    db: str
    slots: tuple  # per parameter: the index of the caller's value, or None and a constant
    model: object = None  # model rows, read through raw()
    converters: tuple = ()  # plain rows: the ORM's converters of each column
    flat: bool = False  # values_list(..., flat=True): the one column's values

    objects: object = None  # model rows with their select_related objects: `_ModelRows`

    def read(self, args):
        params = [args[index] if index is not None else constant for index, constant in self.slots]
        if self.model is not None:
            return list(self.model._base_manager.db_manager(self.db).raw(self.sql, params))
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [_converted(row, self.converters, connection) for row in rows]
        if self.objects is not None:
            return [self.objects.build(row) for row in rows]
        return [row[0] for row in rows] if self.flat else [tuple(row) for row in rows]


@dataclass(frozen=True)
class _ModelRows:
    """How Django's ModelIterable turns a row into its object, the related objects
    `select_related` read with it and its annotations, worked out once from the compiler."""

    db: str
    model: object
    start: int
    end: int
    init_list: tuple
    populators: tuple
    annotations: tuple

    @classmethod
    def of(cls, compiler, db):
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return cls(
            db=db,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=tuple(column[0].target.attname for column in select[start:end]),
            populators=tuple(get_related_populators(klass_info, select, db)),
            annotations=tuple(compiler.annotation_col_map.items()),
        )

    def build(self, row):
        obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations:
            setattr(obj, name, row[position])
        return obj


def _converted(row, converters, connection):
    row = list(row)
    for position, functions, expression in converters:
        value = row[position]
        for convert in functions:
            value = convert(value, expression, connection)
        row[position] = value
    return row


def compiled(name, args, rows):
    """What `rows(*args)` reads (model objects, with the related objects `select_related`
    reads beside them; `values_list` rows), its SQL built once.

    `rows` takes every value that changes as an argument and captures nothing, so the rest of
    the statement is the same on every call; `args` are ints (ids), dates and aware datetimes. The
    first call compiles the statement twice, with the real values and with stand-ins, to learn
    which parameters are the caller's; a statement whose text or constants would change with
    them, or that the ORM reads in a way not copied here, is read the ordinary way each time.
    """
    args = tuple(args)
    # The builder's code too: a name given to two builders never runs one's SQL for the other.
    key = (name, getattr(rows, "__code__", None), tuple(type(arg) for arg in args))
    statement = _STATEMENTS.get(key, _UNKNOWN)
    if statement is _UNKNOWN:
        statement = _STATEMENTS[key] = _compile(rows, args)
    if statement is None:
        return list(rows(*args))
    return statement.read(args)


_UNKNOWN = object()


def _takes_only_its_arguments(rows):
    """A plain function that captures nothing and has no defaults: what it builds depends on
    its arguments and the code alone (a method, a closure or a default could vary unseen)."""
    return (
        inspect.isfunction(rows)
        and not rows.__closure__
        and not rows.__defaults__
        and not rows.__kwdefaults__
    )


def _compile(rows, args):
    probes = [_probe(arg, index) for index, arg in enumerate(args)]
    if not _takes_only_its_arguments(rows) or any(probe is None for probe in probes):
        return None
    queryset = rows(*args)
    query = queryset.query
    if query.extra_select or queryset._prefetch_related_lookups:
        return None
    if queryset._known_related_objects:  # a related manager's rows know their parent: raw() not
        return None
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. no ids: Django answers without asking the database
        return None
    if compiler.has_extra_select:
        return None
    probe_sql, probe_params = rows(*probes).query.get_compiler(queryset.db).as_sql()
    if sql != probe_sql or len(params) != len(probe_params):
        return None
    slots = []
    for real, probe in zip(params, probe_params, strict=True):
        if real == probe and probe not in probes:
            slots.append((None, real))
        elif probes.count(probe) == 1 and args[probes.index(probe)] == real:
            slots.append((probes.index(probe), None))
        else:
            return None
    fields = dict(sql=sql, db=queryset.db, slots=tuple(slots))
    model_rows = queryset._iterable_class is ModelIterable
    if model_rows and query.select_related is False:
        return _Statement(model=queryset.model, **fields)
    flat = queryset._iterable_class is FlatValuesListIterable
    if not model_rows and queryset._iterable_class is not ValuesListIterable and not flat:
        return None
    # As Django's ValuesListIterable (compiler.results_iter): each column's converters.
    selected = [column[0] for column in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(selected):
        return None
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(selected).items()
    )
    objects = _ModelRows.of(compiler, queryset.db) if model_rows else None
    return _Statement(converters=converters, flat=flat, objects=objects, **fields)
