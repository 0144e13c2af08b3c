"""The dashboard's outcome rates, counted by the database over all completed courses.

Each completed course's baseline and latest score per instrument are judged once, by the
outcome page's own rules (`integration.outcome_rules.instrument_outcome`), and kept in
`CourseOutcome` (integration.course_outcome) when they change: when the course completes and
when a follow-up is answered after. The page then runs one small aggregate over those rows
instead of windowing every score of every completed course on each request (~80 ms at 850
completed courses). The rules' thresholds are applied here, so a protocol edit shows at once;
like the page, response and remission count only courses whose baseline reached the clinical
threshold (Rules.baseline_at_least): the rest are "not applicable", not in either rate.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from .models import CourseOutcome
from .outcome_rules import Rules

ONE_PLACE = Decimal("0.1")


def _rate(part, whole):
    if not whole:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(ONE_PLACE, ROUND_HALF_UP)


@dataclass
class InstrumentSummary:
    """Across completed courses: how many could be judged, and what share met each rule."""

    instrument: str
    short_name: str
    rules: Rules
    courses: int = 0  # courses with a change (baseline before treatment, and a later score)
    change_total: int = 0
    responders: int = 0
    response_judged: int = 0
    remitters: int = 0
    remission_judged: int = 0
    reliably_improved: int = 0
    reliably_deteriorated: int = 0
    reliable_judged: int = 0
    below_threshold: int = 0  # response and remission not applicable: baseline below threshold
    not_computable: int = 0

    @property
    def mean_change(self):
        if not self.courses:
            return None
        return (Decimal(self.change_total) / self.courses).quantize(ONE_PLACE, ROUND_HALF_UP)

    @property
    def response_rate(self):
        return _rate(self.responders, self.response_judged)

    @property
    def remission_rate(self):
        return _rate(self.remitters, self.remission_judged)

    @property
    def reliable_improvement_rate(self):
        return _rate(self.reliably_improved, self.reliable_judged)


# Each completed course's baseline and latest score per instrument are kept in CourseOutcome
# (integration.course_outcome, refreshed when they change); one aggregate applies the
# protocol's current rules to them. FILTER works alike on PostgreSQL and SQLite (the demo).
# Each rule's threshold is a CASE on the instrument, not a join: the planner misjudges a join
# on a list of constants and then reads every kept row of the network (15-45 ms against ~3 ms
# at 10,000 patients). The count of completed courses rides along on every row.
# The kept rows are first counted per instrument, baseline and latest score (at most a few
# thousand pairs, whatever the number of courses), so each rule's CASE is worked out once per
# pair, not once per course and per rule (the CASEs were about half of the query's time at the
# bench clinic: 869 courses, 2,607 rows, 58 pairs). A rule that no pair meets sums to NULL,
# read as 0.
OUTCOME_SQL = """
WITH courses AS ({courses})
SELECT instrument,
    (SELECT COUNT(*) FROM courses),
    SUM(n),
    COALESCE(SUM((latest - baseline) * n), 0),
    SUM(n) FILTER (WHERE clinical AND (drop_points IS NOT NULL
                     OR (drop_percent IS NOT NULL AND baseline <> 0))),
    SUM(n) FILTER (WHERE clinical AND (
                     (drop_points IS NOT NULL AND baseline - latest >= drop_points)
                     OR (drop_points IS NULL AND drop_percent IS NOT NULL AND baseline <> 0
                         AND (baseline - latest) * 100 >= drop_percent * baseline))),
    SUM(n) FILTER (WHERE remission_below IS NOT NULL AND baseline >= remission_below
                     AND clinical),
    SUM(n) FILTER (WHERE remission_below IS NOT NULL AND baseline >= remission_below
                     AND clinical AND latest < remission_below),
    SUM(n) FILTER (WHERE reliable_change IS NOT NULL),
    SUM(n) FILTER (WHERE reliable_change IS NOT NULL AND baseline - latest >= reliable_change),
    SUM(n) FILTER (WHERE reliable_change IS NOT NULL AND latest - baseline >= reliable_change),
    SUM(n) FILTER (WHERE NOT clinical)
FROM (
    SELECT o.instrument, o.baseline, o.latest, COUNT(*) AS n,
           {drop} AS drop_percent, {points} AS drop_points,
           {below} AS remission_below, {reliable} AS reliable_change,
           o.baseline >= COALESCE({at_least}, 0) AS clinical
    FROM courses c
    JOIN {kept} o ON o.course_id = c.course_id
    WHERE o.computable AND o.instrument IN ({instruments})
    GROUP BY o.instrument, o.baseline, o.latest
) judged
GROUP BY instrument
"""
COLUMNS = (
    "courses",
    "change_total",
    "response_judged",
    "responders",
    "remission_judged",
    "remitters",
    "reliable_judged",
    "reliably_improved",
    "reliably_deteriorated",
    "below_threshold",
)


def _threshold(summaries, name):
    """The rule `name` per instrument as SQL: CASE o.instrument WHEN ... END, and its values.

    Thresholds are integers from the protocol (or None), written as integer literals; the
    instrument codes stay parameters.
    """
    whens = []
    for summary in summaries:
        value = getattr(summary.rules, name)
        literal = "NULL" if value is None else str(int(value))
        whens.append(f"WHEN %s THEN CAST({literal} AS INTEGER)")
    return f"(CASE o.instrument {' '.join(whens)} END)"


def outcome_summaries(course_ids, summaries):
    """Fill each InstrumentSummary from one query over `course_ids` (a values() queryset of
    completed courses); returns how many courses that is, or None when no course had a
    judgeable change (the query then returns no row to carry the count).
    """
    courses_sql, course_params = course_ids.query.sql_with_params()
    codes = [summary.instrument for summary in summaries]
    sql = OUTCOME_SQL.format(
        courses=courses_sql,
        drop=_threshold(summaries, "response_drop_percent"),
        points=_threshold(summaries, "response_drop_points"),
        below=_threshold(summaries, "remission_below"),
        reliable=_threshold(summaries, "reliable_change"),
        at_least=_threshold(summaries, "baseline_at_least"),
        kept=CourseOutcome._meta.db_table,
        instruments=", ".join("%s" for _ in codes),
    )
    # Parameters in the order their placeholders appear in the text.
    params = [*course_params, *codes, *codes, *codes, *codes, *codes, *codes]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {row[0]: row[2:] for row in rows}
    for summary in summaries:
        for name, value in zip(COLUMNS, found.get(summary.instrument, ()), strict=False):
            setattr(summary, name, int(value or 0))
    return rows[0][1] if rows else None
