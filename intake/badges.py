"""Consent on staff pages: a badge beside each course with a consent still to sign (plug-in
point `kapclinic/clinic/badges.py`)."""

import zoneinfo

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kapclinic.clinic.badges import CourseBadge, hinted, register, register_hint
from kapclinic.clinic.models import TreatmentCourse

from .consent import RESIGNING_STATES, due_for_courses
from .models import ConsentDocument, ConsentSignature, ConsentWithdrawal

HINT = "consent_may_be_due"
# The first and the last places on Earth to reach a date (UTC-12 and UTC+14; POSIX signs are
# inverted): every clinic's today lies between their todays.
EARLIEST_ZONE, LATEST_ZONE = zoneinfo.ZoneInfo("Etc/GMT+12"), zoneinfo.ZoneInfo("Etc/GMT-14")

# Written out rather than built with the ORM: as nested Subquery/OuterRef expressions the
# hint cost the caseload about 4 ms a request to build and compile, twice the two queries it
# spares. Row values compare in PostgreSQL and SQLite alike.
_MAY_BE_DUE = """
{course}.state IN ({states}) AND EXISTS (
  SELECT 1 FROM {document} d
  WHERE d.clinic_id = {course}.clinic_id AND d.required_before_dosing AND d.effective_from <= %s
    AND NOT EXISTS (
      SELECT 1 FROM {document} l
      WHERE l.clinic_id = d.clinic_id AND l.kind = d.kind AND l.effective_from <= %s
        AND (l.effective_from, l.published_at, l.id) > (d.effective_from, d.published_at, d.id))
    AND NOT EXISTS (
      SELECT 1 FROM {signature} s
      WHERE s.document_id = d.id
        AND s.id = (
          SELECT s2.id FROM {signature} s2 JOIN {document} d2 ON d2.id = s2.document_id
          WHERE s2.course_id = {course}.id AND d2.kind = d.kind
          ORDER BY s2.signed_at DESC, s2.id DESC LIMIT 1)
        AND NOT EXISTS (SELECT 1 FROM {withdrawal} w WHERE w.signature_id = s.id)))
"""


def may_be_due(clinic=None):
    """True unless, for every kind the clinic requires before dosing, the course's latest
    signature of that kind is of the version in effect now and not withdrawn: then nothing
    is due, whatever came before. Read with the caseload's own query (no query of its own);
    a course it cannot rule out is judged by `due_for_courses`, which decides every badge.

    "Now" is the clinic's today. Without the clinic (a list across clinics) a version counts
    as in effect once its date has come anywhere on Earth, and a later one supersedes it only
    once its date has come everywhere: a version due on the course's clinic's day is never
    ruled out."""
    sql = _MAY_BE_DUE.format(
        course=TreatmentCourse._meta.db_table,
        document=ConsentDocument._meta.db_table,
        signature=ConsentSignature._meta.db_table,
        withdrawal=ConsentWithdrawal._meta.db_table,
        states=", ".join(["%s"] * len(RESIGNING_STATES)),
    )
    if clinic is not None:
        latest = earliest = clinic.today()
    else:
        now = timezone.now()
        latest, earliest = (
            timezone.localdate(now, LATEST_ZONE),
            timezone.localdate(now, EARLIEST_ZONE),
        )
    params = [*sorted(RESIGNING_STATES), latest, earliest]
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611  fixed text, bound values


register_hint(HINT, may_be_due)


@register
def consent_badges(courses):
    """Staff see who still has to sign before their next session (two queries, none when
    the list was read with its hint and no course on it may owe a signature)."""
    badges = {}
    for course_id, rows in due_for_courses(hinted(courses, HINT)).items():
        badges[course_id] = [
            CourseBadge(
                f"Consent withdrawn: {row.document.title}"
                if row.withdrawn
                else f"Consent v{row.document.version} to sign",
                "danger" if row.withdrawn else "warning",
                row.reason(),
            )
            for row in rows
        ]
    return badges
