"""The environment for a process a test starts (`manage.py`, a Celery worker, a script).

Such a process is the deployment under test, so it runs the ordinary settings, not the test
run's (`kapclinic/settings_test.py`, which pytest names in DJANGO_SETTINGS_MODULE).
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
TEST_RUN_ONLY = ("DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST")


def deployment_env(*without, **values):
    """This process's environment minus the test run's own variables and `without`, plus
    `values`."""
    dropped = set(TEST_RUN_ONLY) | set(without)
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    return env | values


def manage(*args, env, timeout=300):
    """`manage.py <args>` in `env`; a failure fails the test with the command's output."""
    result = subprocess.run(  # noqa: S603  our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


def database_url():
    """DATABASE_URL for the database this process is connected to (the test or bench one)."""
    from django.db import connection

    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_worker(*options, env, **popen):
    """A `celery -A kapclinic worker` of this checkout in `env`, alone on its broker (no
    gossip, no mingle), with `options` added; the caller stops it."""
    return subprocess.Popen(  # noqa: S603  our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kapclinic",
            "worker",
            "--without-gossip",
            "--without-mingle",
            *options,
        ],
        cwd=ROOT,
        env=env,
        **popen,
    )
