"""The benchmark scripts as they run: imported from scripts/, beside their bench_setup."""

import importlib
import sys
from pathlib import Path

import pytest

SCRIPTS = str(Path(__file__).resolve().parents[2] / "scripts")


@pytest.fixture
def bench_script():
    """Import a script by name (`bench_script("bench_pages")`) with scripts/ on the path."""
    sys.path.insert(0, SCRIPTS)
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(SCRIPTS)
