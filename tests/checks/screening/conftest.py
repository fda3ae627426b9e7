import pytest

from checks.screening.service import Screener, build_screener


@pytest.fixture(scope="session")
def screener(tmp_path_factory) -> Screener:
    """The full index over the bundled snapshot, built once per test session (a few seconds)."""
    return build_screener(tmp_path_factory.mktemp("lists"))
