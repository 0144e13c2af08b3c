"""Settings for the test run: the ordinary settings plus what tests need, chosen explicitly.

pytest names this module (`--ds` in pyproject's [tool.pytest.ini_options]), so `make test`,
`.ci/run` and a plain `pytest` all run with it, and nothing guesses from what is imported.
A process a test starts (`manage.py`, a Celery worker) is the deployment under test: it runs
the ordinary settings (`tests/processes.py::deployment_env`).
"""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS, PASSWORD_HASHERS, env_bool

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
