"""The SQLite demo database as the tests open it: a copy of one database migrated for the whole
run (the `fresh_sqlite` fixture of tests/demo/conftest.py), with a script run in its
`manage.py shell` (the deployment's settings, not the test run's)."""

import fcntl
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

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

NAME = "db.sqlite3"


def sqlite_env(directory, **values):
    """The demo's environment on a SQLite file in `directory` (no Redis, development mode)."""
    return deployment_env(
        "REDIS_URL",
        "DJANGO_ENV",
        DATABASE_URL=f"sqlite:///{Path(directory) / NAME}",
        DEBUG="true",
        **values,
    )


@dataclass(frozen=True)
class MigratedSqlite:
    """A demo database `manage.py migrate` built from nothing, and how long that took."""

    directory: Path
    migrate_seconds: float

    @classmethod
    def build(cls, directory):
        started = time.monotonic()
        manage("migrate", "--noinput", env=sqlite_env(directory))
        # The migrating process closed its connection: the file holds the whole database.
        assert not (Path(directory) / f"{NAME}-wal").exists()
        return cls(Path(directory), time.monotonic() - started)

    @classmethod
    def shared(cls, root):
        """One build for every pytest-xdist worker of the run, in their common `root`: the
        first to take the lock migrates, the others wait for it and open the same files."""
        directory, seconds = root / "migrated-sqlite-demo", root / "migrated-sqlite-demo.seconds"
        with open(root / "migrated-sqlite-demo.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if seconds.exists():
                return cls(directory, float(seconds.read_text()))
            shutil.rmtree(directory, ignore_errors=True)  # a build that failed half-way
            directory.mkdir()
            built = cls.build(directory)
            seconds.write_text(str(built.migrate_seconds))
            return built

    def copy_to(self, directory):
        """A byte-for-byte copy in `directory`, so a test never sees another test's rows."""
        shutil.copyfile(self.directory / NAME, Path(directory) / NAME)
        return directory


def run_on_fresh_sqlite(directory, script):
    """Run `script` in the shell of the freshly migrated SQLite database in `directory` and
    return what it printed."""
    return manage("shell", "-c", script, env=sqlite_env(directory))
