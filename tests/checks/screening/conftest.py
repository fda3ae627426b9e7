import tempfile
from pathlib import Path

import pytest

from checks.screening.service import Screener, get_screener

# No downloads are ever written here: the bundled snapshot is what gets loaded.
TEST_LISTS_DIR = Path(tempfile.gettempdir()) / "tradecheck-tests-bundled-lists-only"


@pytest.fixture(scope="session")
def screener() -> Screener:
    """The full index over the bundled snapshot, built once per process (a few seconds), no cache file."""
    return get_screener(TEST_LISTS_DIR, cache_dir=False)
