"""The SQLite demo database as the tests open it: freshly migrated in the test's tmp_path, with
a script run in its `manage.py shell` (the deployment's settings, not the test run's)."""

from tests.processes import deployment_env, manage

# The end of both overlap scripts: the script defines book(who, from_hour, to_hour) and the two
# bookings that must not overlap, FIRST and SECOND. A trigger refuses the overlap, not the
# visit that starts as the other ends.
OVERLAP_PROBE = """
from django.db import IntegrityError, transaction

held = book(FIRST, 0, 2)
try:
    with transaction.atomic():
        book(SECOND, 1, 3)
    print("overlap: saved")
except IntegrityError as error:
    print("overlap: refused by", error)
book(SECOND, 2, 3)
print("back to back: saved")
"""


def sqlite_env(tmp_path, **values):
    """The demo's environment on a SQLite file in `tmp_path` (no Redis, development mode)."""
    return deployment_env(
        "REDIS_URL",
        "DJANGO_ENV",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEBUG="true",
        **values,
    )


def run_on_fresh_sqlite(tmp_path, script):
    """Migrate a new SQLite demo database, run `script` in its shell and return what it printed."""
    env = sqlite_env(tmp_path)
    manage("migrate", "--noinput", env=env)
    return manage("shell", "-c", script, env=env)
