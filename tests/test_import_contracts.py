"""The rules of dependency are contracts the build checks (pyproject's [tool.importlinter]).

`make test` runs `lint-imports` on the tree; these tests prove the contracts would catch a
broken rule, by adding one forbidden import to a copy of the code and watching the run fail.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kapclinic", "intake", "sessions", "integration")
LINT = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def tree(tmp_path):
    """A copy of the project's Python packages and its contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.pyc"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint(path):
    return subprocess.run(  # noqa: S603  our own virtualenv's lint-imports
        [str(LINT), "--no-cache"], cwd=path, capture_output=True, text=True, check=False
    )


def test_the_tree_keeps_every_contract(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("intake/_probe.py", "import integration.models", "Phases import only earlier phases"),
        ("sessions/_probe.py", "import integration.models", "Phases import only earlier phases"),
        ("kapclinic/clinic/_probe.py", "import sessions.models", "The core imports no phase"),
        (
            "kapclinic/audit/_probe.py",
            "import kapclinic.clinic.mixins",
            "The audit trail sits below the clinic",
        ),
        (
            "sessions/_probe.py",
            "import kapclinic.reports",
            "No phase imports reminders, reports or the demo",
        ),
        (
            "kapclinic/reports/_probe.py",
            "import kapclinic.billing",
            "Only the demo imports billing",
        ),
        ("sessions/_probe.py", "import kapclinic.billing", "Only the demo imports billing"),
        (
            "integration/_probe.py",
            "import kapclinic.calendar",
            "Only the demo imports the calendar",
        ),
        (
            "kapclinic/reminders/_probe.py",
            "import kapclinic.calendar.models",
            "Only the demo imports the calendar",
        ),
        (
            "kapclinic/instruments/_probe.py",
            "import kapclinic.clinic.models",
            "Instruments are pure",
        ),
        ("kapclinic/instruments/_probe.py", "import django.db", "Instruments are pure"),
        (
            "intake/rule_table.py",
            "import intake.rules",
            "Contraindication rules: evaluator, table, vocabulary, facts",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_build(tree, module, line, contract):
    (tree / module).write_text(f"{line}\n")
    result = lint(tree)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
