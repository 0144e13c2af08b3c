"""The URL sweep's scene and clients, and its counts in the terminal summary."""

import pytest

from .scene import build_scene, sign_in_everyone

# (URL, role, method) triples the sweep checked in this run.
CHECKED = []


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.fixture
def clients(scene, enrol_mfa):
    return sign_in_everyone(scene, enrol_mfa)


def pytest_terminal_summary(terminalreporter):
    if CHECKED:
        urls = len({url for url, _, _ in CHECKED})
        terminalreporter.write_line(
            f"URL sweep: {len(CHECKED)} URL × role × method requests checked ({urls} URLs)."
        )
    from .fuzzing import POSTED  # imported late: fuzzing imports the sweep, which imports us

    if POSTED:
        forms = len(set(POSTED))
        terminalreporter.write_line(
            f"Hostile input: {len(POSTED)} hostile POSTs tried on {forms} form actions."
        )
