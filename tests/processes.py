"""The environment for a process a test starts (`manage.py`, a Celery worker, a script).

Such a process is the deployment under test, so it runs the ordinary settings, not the test
run's (`kapclinic/settings_test.py`, which pytest names in DJANGO_SETTINGS_MODULE).
"""

import os

TEST_RUN_ONLY = ("DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST")


def deployment_env(*without, **values):
    """This process's environment minus the test run's own variables and `without`, plus
    `values`."""
    dropped = set(TEST_RUN_ONLY) | set(without)
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    return env | values
