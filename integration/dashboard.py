"""The dashboard's outcome rates, counted by the database over all completed courses.

The same rules as `integration.outcomes.instrument_outcome` (which judges one course for its
outcome page), written in SQL: per course the baseline (the first intake score, else the
first score), the latest later score and the first dose; then one aggregate counts the courses
each rule applies to and meets. Nothing is read row by row into Python, so the page costs the
same for ten courses or ten thousand. ORM expressions were tried first: Django repeats each
correlated subquery wherever an annotation refers to it, hundreds of sub-plans in all.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from kapclinic.measures.models import QuestionnaireResponse
from sessions.models import Administration, DosingSession

from .outcomes import INTAKE, Rules

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


# Per course and instrument: the baseline (rank 1: intake first, then oldest), the latest
# score after it, the first dose; then each rule's counts. Window functions and FILTER work
# alike on PostgreSQL and SQLite (the demo), so there is one query for both.
OUTCOME_SQL = """
WITH courses AS ({courses}),
rules AS ({rules}),
scores AS (
    SELECT r.course_id, r.instrument, r.id, r.completed_at AS at, r.total,
           ROW_NUMBER() OVER (
               PARTITION BY r.course_id, r.instrument
               ORDER BY CASE WHEN r.purpose = %s THEN 0 ELSE 1 END, r.completed_at, r.id
           ) AS baseline_rank,
           ROW_NUMBER() OVER (
               PARTITION BY r.course_id, r.instrument ORDER BY r.completed_at DESC, r.id DESC
           ) AS recent_rank
    FROM {responses} r
    WHERE r.status = %s AND r.total IS NOT NULL
      AND r.instrument IN (SELECT instrument FROM rules)
      AND r.course_id IN (SELECT course_id FROM courses)
),
kept AS (SELECT * FROM scores WHERE baseline_rank = 1 OR recent_rank <= 2),
baseline AS (SELECT * FROM kept WHERE baseline_rank = 1),
-- The latest score other than the baseline is one of the two most recent.
later AS (
    SELECT k.course_id, k.instrument, k.total,
           ROW_NUMBER() OVER (
               PARTITION BY k.course_id, k.instrument ORDER BY k.recent_rank
           ) AS latest_rank
    FROM kept k
    JOIN baseline b ON b.course_id = k.course_id AND b.instrument = k.instrument
    WHERE k.recent_rank <= 2 AND k.id <> b.id AND k.at >= b.at
),
first_dose AS (
    SELECT c.course_id, (
        SELECT MIN(a.given_at)
        FROM {administrations} a JOIN {sessions} ds ON ds.id = a.session_id
        WHERE ds.course_id = c.course_id
    ) AS at
    FROM courses c
),
judged AS (
    SELECT rules.*, b.total AS baseline, l.total AS latest,
           CASE WHEN b.id IS NOT NULL AND l.total IS NOT NULL
                     AND (f.at IS NULL OR b.at <= f.at) THEN 1 ELSE 0 END AS computable
    FROM courses c
    CROSS JOIN rules
    LEFT JOIN baseline b ON b.course_id = c.course_id AND b.instrument = rules.instrument
    LEFT JOIN later l ON l.course_id = c.course_id AND l.instrument = rules.instrument
                     AND l.latest_rank = 1
    LEFT JOIN first_dose f ON f.course_id = c.course_id
)
SELECT instrument,
    COUNT(*) FILTER (WHERE computable = 1),
    COALESCE(SUM(latest - baseline) FILTER (WHERE computable = 1), 0),
    COUNT(*) FILTER (WHERE computable = 0),
    COUNT(*) FILTER (WHERE computable = 1 AND drop_percent IS NOT NULL AND baseline <> 0),
    COUNT(*) FILTER (WHERE computable = 1 AND drop_percent IS NOT NULL AND baseline <> 0
                     AND (baseline - latest) * 100 >= drop_percent * baseline),
    COUNT(*) FILTER (WHERE computable = 1 AND remission_below IS NOT NULL
                     AND baseline >= remission_below),
    COUNT(*) FILTER (WHERE computable = 1 AND remission_below IS NOT NULL
                     AND baseline >= remission_below AND latest < remission_below),
    COUNT(*) FILTER (WHERE computable = 1 AND reliable_change IS NOT NULL),
    COUNT(*) FILTER (WHERE computable = 1 AND reliable_change IS NOT NULL
                     AND baseline - latest >= reliable_change),
    COUNT(*) FILTER (WHERE computable = 1 AND reliable_change IS NOT NULL
                     AND latest - baseline >= reliable_change)
FROM judged
GROUP BY instrument
"""
COLUMNS = (
    "courses",
    "change_total",
    "not_computable",
    "response_judged",
    "responders",
    "remission_judged",
    "remitters",
    "reliable_judged",
    "reliably_improved",
    "reliably_deteriorated",
)


def outcome_summaries(course_ids, summaries):
    """Fill each InstrumentSummary from one query over `course_ids` (a values() queryset)."""
    if not summaries:
        return summaries
    courses_sql, course_params = course_ids.query.sql_with_params()
    rules_sql = " UNION ALL ".join(
        "SELECT CAST(%s AS VARCHAR(30)) AS instrument, CAST(%s AS INTEGER) AS drop_percent,"
        " CAST(%s AS INTEGER) AS remission_below, CAST(%s AS INTEGER) AS reliable_change"
        for _ in summaries
    )
    rule_params = []
    for summary in summaries:
        rules = summary.rules
        rule_params += [
            summary.instrument,
            rules.response_drop_percent,
            rules.remission_below,
            rules.reliable_change,
        ]
    sql = OUTCOME_SQL.format(
        courses=courses_sql,
        rules=rules_sql,
        responses=QuestionnaireResponse._meta.db_table,
        administrations=Administration._meta.db_table,
        sessions=DosingSession._meta.db_table,
    )
    params = [*course_params, *rule_params, INTAKE, QuestionnaireResponse.Status.COMPLETED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    for summary in summaries:
        for name, value in zip(COLUMNS, found.get(summary.instrument, ()), strict=False):
            setattr(summary, name, int(value or 0))
    return summaries
