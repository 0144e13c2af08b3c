"""Tests that need a real service run on it in CI, and say why they skip anywhere else."""

import os

import pytest


def require_real_service(available, why):
    """Fail loudly in CI (KAP_REQUIRE_REAL_SERVICES), skip with the reason on a bare laptop."""
    if available:
        return
    if os.environ.get("KAP_REQUIRE_REAL_SERVICES"):
        pytest.fail(f"CI must run this test on the real service, but {why}.")
    pytest.skip(f"{why} (CI requires it).")
