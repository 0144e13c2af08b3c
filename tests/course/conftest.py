import pytest


@pytest.fixture
def team(world):
    """Clinic one's first course and its prescriber, nurse and therapist (tests/reports/records)."""
    from tests.reports.records import Team

    return Team.of(world.one)
