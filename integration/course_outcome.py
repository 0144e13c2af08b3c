"""Each completed course's outcome facts, kept in `CourseOutcome` for the clinic dashboard.

The facts are judged by the outcome page's own rules (`integration.outcome_rules`): per
instrument the baseline, the latest later score and whether a change can be judged (a
baseline before the first dose). The thresholds of response, remission and reliable change
are not stored: the dashboard applies the protocol's current rules to these totals, so a
protocol edit needs no refresh. Only completed courses are kept; `refresh` runs in the two
places their facts change.
"""

from django.db import transaction
from django.db.models import Min

from .outcome_rules import Measurement, Rules, instrument_outcome

COMPLETED = "completed"  # CourseClosure.Outcome.COMPLETED and QuestionnaireResponse's status


def judge_courses(course_ids, *, responses, administrations):
    """{(course id, instrument): (computable, baseline, latest)}, from every completed score.

    The models are passed in so the data migration can use its historical ones.
    """
    rows = (
        responses.objects.filter(course_id__in=course_ids, status=COMPLETED, total__isnull=False)
        .values_list("course_id", "instrument", "completed_at", "total", "purpose")
        .order_by("completed_at", "pk")
    )
    scores = {}
    for course_id, instrument, at, total, purpose in rows:
        scores.setdefault((course_id, instrument), []).append(Measurement(at, total, purpose))
    started = dict(
        administrations.objects.filter(session__course_id__in=course_ids)
        .values("session__course_id")
        .annotate(first=Min("given_at"))
        .values_list("session__course_id", "first")
    )
    facts = {}
    for (course_id, instrument), measurements in scores.items():
        outcome = instrument_outcome(
            instrument, measurements, Rules(), treatment_started_at=started.get(course_id)
        )
        facts[course_id, instrument] = (
            outcome.computable,
            outcome.baseline.total if outcome.computable else None,
            outcome.latest.total if outcome.computable else None,
        )
    return facts


def _models(apps=None):
    if apps is None:
        from kapclinic.measures.models import QuestionnaireResponse
        from sessions.models import Administration

        from .models import CourseClosure, CourseOutcome

        return CourseClosure, CourseOutcome, QuestionnaireResponse, Administration
    return (
        apps.get_model("integration", "CourseClosure"),
        apps.get_model("integration", "CourseOutcome"),
        apps.get_model("measures", "QuestionnaireResponse"),
        apps.get_model("dosing", "Administration"),
    )


def rebuild(course_ids=None, *, apps=None, batch=1000):
    """Recompute the kept facts of these completed courses (default: all); returns rows."""
    closures, kept, responses, administrations = _models(apps)
    completed = closures.objects.filter(outcome=COMPLETED)
    if course_ids is not None:
        completed = completed.filter(course_id__in=course_ids)
    ids = list(completed.order_by("course_id").values_list("course_id", flat=True))
    written = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        facts = judge_courses(chunk, responses=responses, administrations=administrations)
        with transaction.atomic():
            kept.objects.filter(course_id__in=chunk).delete()
            rows = [
                kept(
                    course_id=course_id,
                    instrument=instrument,
                    computable=judged,
                    baseline=baseline,
                    latest=latest,
                )
                for (course_id, instrument), (judged, baseline, latest) in facts.items()
            ]
            kept.objects.bulk_create(rows)
        written += len(rows)
    return written


def refresh(course_id):
    """After a completed course's scores change (or it completes): its facts again."""
    rebuild([course_id])


def differences():
    """Kept facts that differ from a full recomputation: [(course id, instrument, kept, now)]."""
    closures, kept, responses, administrations = _models()
    ids = list(closures.objects.filter(outcome=COMPLETED).values_list("course_id", flat=True))
    now = judge_courses(ids, responses=responses, administrations=administrations)
    stored = {
        (row[0], row[1]): tuple(row[2:])
        for row in kept.objects.values_list(
            "course_id", "instrument", "computable", "baseline", "latest"
        )
    }
    return [
        (key[0], key[1], stored.get(key), now.get(key))
        for key in sorted(set(now) | set(stored))
        if stored.get(key) != now.get(key)
    ]
