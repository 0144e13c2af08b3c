import pytest


@pytest.fixture
def team(world):
    """Clinic one's first course and its prescriber, nurse and therapist (tests/reports/records)."""
    from tests.reports.records import Team

    return Team.of(world.one)


@pytest.fixture
def as_user(enrol_mfa):
    """A signed-in client for a member of staff, MFA enrolled."""
    from tests.conftest import CommittingClient

    clients = {}

    def sign_in(user):
        if user.pk not in clients:
            enrol_mfa(user)
            clients[user.pk] = CommittingClient()
            clients[user.pk].force_login(user)
        return clients[user.pk]

    return sign_in
