"""The order of safety flags on the caseload: urgent, then routine, then anything else; within
one urgency the oldest first (then the first written).

A course takes the place of its top open flag. The caseload joins that one flag (`top_open_flag`)
instead of asking a subquery per course: PostgreSQL answers "no open flag of the same course
comes before it" with one hash anti-join over the open flags, where subqueries in the sort
probed the flags of every open course twice (4-6 ms of the page's query at 10,000 patients).
The anti-join is written in SQL (`NoOpenFlagBefore`) because the ORM's version of it cost the
page 1.5-3 ms more Python to build and compile on every request.
"""

from django.db.models import BooleanField, Case, Expression, F, FilteredRelation, Q, Value, When

from .models import SafetyFlag

RANKED = (SafetyFlag.Urgency.URGENT, SafetyFlag.Urgency.ROUTINE)  # ranks 0 and 1; others 2


def flag_rank(urgency="urgency"):
    """A flag's place from its `urgency` field (a lookup path): urgent 0, routine 1, anything
    else 2, and no flag (NULL through a join) 2 too."""
    whens = [When(**{urgency: value}, then=Value(rank)) for rank, value in enumerate(RANKED)]
    return Case(*whens, default=Value(len(RANKED)))


# The flag's course, rank, raised_at and id against another open flag's of the same course: a
# row comparison, which PostgreSQL and SQLite (the demo) both read in order.
NO_OPEN_FLAG_BEFORE = (
    "NOT EXISTS (SELECT 1 FROM {table} other_flag WHERE {other_course} = {course}"
    " AND {other_resolved_at} IS NULL AND ({other_place}) < ({place}))"
)


def _rank_sql(column):
    whens = " ".join(f"WHEN %s THEN {rank}" for rank in range(len(RANKED)))
    return f"CASE {column} {whens} ELSE {len(RANKED)} END", list(RANKED)


class NoOpenFlagBefore(Expression):
    """True when no other open flag of the flag's course comes before it (`flag_rank`, then
    raised_at, then id): the flag `relation` names (a path to SafetyFlag) is its course's top."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, relation):
        super().__init__()
        self.refs = [F(f"{relation}__{name}") for name in ("course", "urgency", "raised_at", "pk")]

    def get_source_expressions(self):
        return self.refs

    def set_source_expressions(self, exprs):
        self.refs = list(exprs)

    def as_sql(self, compiler, connection):
        (
            (course, course_params),
            (urgency, urgency_params),
            (raised, raised_params),
            (pk, pk_params),
        ) = [compiler.compile(ref) for ref in self.refs]
        column = SafetyFlag._meta.get_field
        other = {
            name: f"other_flag.{connection.ops.quote_name(column(name).column)}"
            for name in ("course", "urgency", "raised_at", "id", "resolved_at")
        }
        other_rank, other_params = _rank_sql(other["urgency"])
        rank, rank_params = _rank_sql(urgency)
        sql = NO_OPEN_FLAG_BEFORE.format(  # noqa: S608  names from the model, values bound
            table=connection.ops.quote_name(SafetyFlag._meta.db_table),
            other_course=other["course"],
            course=course,
            other_resolved_at=other["resolved_at"],
            other_place=f"{other_rank}, {other['raised_at']}, {other['id']}",
            place=f"{rank}, {raised}, {pk}",
        )
        params = (*course_params, *other_params, *urgency_params, *rank_params, *raised_params)
        return sql, (*params, *pk_params)


def top_open_flag(relation="safety_flags"):
    """The course's top open flag as a join (to annotate under a name, e.g. `top_flag`)."""
    return FilteredRelation(
        relation,
        condition=Q(**{f"{relation}__resolved_at__isnull": True}) & Q(NoOpenFlagBefore(relation)),
    )
