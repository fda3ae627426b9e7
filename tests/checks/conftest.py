"""One screening index over the bundled lists for every test of the engine that screens real names."""

import tempfile
from pathlib import Path

import pytest

from checks.screening.service import Screener, ScreeningService

# No downloads are ever written here: the bundled snapshot is what gets loaded.
TEST_LISTS_DIR = Path(tempfile.gettempdir()) / "tradecheck-tests-bundled-lists-only"


@pytest.fixture(scope="session")
def screening() -> ScreeningService:
    """The tests' own screening service over the bundled snapshot, no cache file (built once, a few seconds)."""
    return ScreeningService(TEST_LISTS_DIR, cache_dir=False)


@pytest.fixture(scope="session")
def screener(screening: ScreeningService) -> Screener:
    """The full index over the bundled snapshot."""
    return screening.screener()
