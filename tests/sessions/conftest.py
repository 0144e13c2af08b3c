"""A dosing session built step by step through the real services (kapclinic/demo/builder)."""

import pytest

from kapclinic.demo.builder import Build


@pytest.fixture
def build(world):
    return Build(world)


@pytest.fixture
def ready(build):
    """A session where every pre-dose check passes."""
    build()
    return build
