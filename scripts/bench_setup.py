"""What the benchmark scripts share: this checkout on the import path, and the settings a
benchmark runs under (production's code paths, over plain HTTP)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Production's code paths as a benchmark runs them: plain HTTP (no redirect to HTTPS), the
# bench's own switch (KAP_BENCH), quiet logs, and tasks run in the request that queues them.
BENCH_SETTINGS = {
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "KAP_BENCH": "true",
    "LOG_LEVEL": "WARNING",
    "CELERY_TASK_ALWAYS_EAGER": "true",
}


def use_project():
    """Let a script run from scripts/ import the project, under the ordinary settings unless
    the caller named others."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kapclinic.settings")


def sample_records(user):
    """The records the page benchmarks open, all of `user`'s own clinic (so both scripts time
    the same pages): its first completed course, its latest course under review with an
    intake, and a dosing session under way."""
    from kapclinic.clinic.models import TreatmentCourse
    from sessions.models import DosingSession

    clinic = user.provider.clinic_id
    courses = TreatmentCourse.objects.filter(clinic_id=clinic)
    completed = courses.filter(state="completed").order_by("pk").first()
    review = courses.filter(state="under_review", intake_submissions__isnull=False)
    review = review.order_by("-pk").first()
    live = DosingSession.objects.filter(course__clinic_id=clinic, status="open").first()
    return completed, review, live
