"""One SQLite demo database migrated per run; each test works on its own copy of it."""

import os

import pytest

from .sqlite_demo import MigratedSqlite


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """Migrating from nothing takes half a minute on SQLite: done once, copied per test.
    Under pytest-xdist (`make test`) the workers share one build in their common temporary
    folder rather than each migrating its own."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return MigratedSqlite.shared(tmp_path_factory.getbasetemp().parent)
    return MigratedSqlite.build(tmp_path_factory.mktemp("migrated-sqlite-demo"))


@pytest.fixture
def fresh_sqlite(migrated_sqlite, tmp_path):
    """A directory holding a just-migrated demo database of this test's own."""
    return migrated_sqlite.copy_to(tmp_path)
