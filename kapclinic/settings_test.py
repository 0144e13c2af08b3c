"""Settings for the test run: the ordinary settings plus what tests need, chosen explicitly.

pytest names this module (`--ds` in pyproject's [tool.pytest.ini_options]), so `make test`,
`.ci/run` and a plain `pytest` all run with it, and nothing guesses from what is imported.
A process a test starts (`manage.py`, a Celery worker) is the deployment under test: it runs
the ordinary settings (`tests/processes.py::deployment_env`).
"""

import os
from urllib.parse import urlsplit, urlunsplit


def _worker_redis_url(url, worker):
    """REDIS_URL for pytest-xdist worker `worker` ("gw0", "gw1", ...): gw0 keeps the run's
    database, gwN the Nth one below it (/15 -> /15, /14). Each test empties its cache
    (tests/conftest.py) and a real Celery worker drains its queue, so two workers sharing one
    Redis database would wipe each other's rate-limit counters, sessions and tasks."""
    if not url or not worker:
        return url
    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - int(worker.removeprefix('gw'))) % 16}"))


# Before the ordinary settings read it; the processes a test starts inherit it too.
if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _worker_redis_url(
        os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

from .settings import *  # noqa: E402, F403
from .settings import INSTALLED_APPS, PASSWORD_HASHERS, env_bool  # noqa: E402

TESTING = True

# Transactional tests end with `flush`; the test run's own empties only the tables they filled
# (tests/flush/management/commands/flush.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.flush"]

# Argon2 is deliberately slow; tests hash hundreds of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Tasks run in process unless a test starts a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# Mail goes the worker's way (eager here), as in a deployment; only the demo sends in process.
REMINDERS_SEND_IN_PROCESS = env_bool("REMINDERS_SEND_IN_PROCESS", default=False)
