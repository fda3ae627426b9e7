from tests.checks.conftest import TEST_LISTS_DIR

__all__ = ["TEST_LISTS_DIR"]  # the fixtures `screening` and `screener` are tests/checks/conftest.py's
