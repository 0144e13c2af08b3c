"""`manage.py` against a fresh SQLite database, as `make demo` runs it without PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sqlite_manage(tmp_path, **env):
    """A `manage(*args)` that runs in a subprocess on `tmp_path`'s SQLite file and returns its
    output; a failing command fails the test with the end of its output."""
    full_env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DJANGO_ENV", "PYTEST_CURRENT_TEST")
    }
    full_env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "true", **env}

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
        return result.stdout

    return manage
