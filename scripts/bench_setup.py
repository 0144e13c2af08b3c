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
