"""A pytest plugin (loaded by tests/conftest.py): with TEST_DATABASE_URL set, a skipped PostgreSQL test
fails the run. CI points TEST_DATABASE_URL at a local server; if the tests then skip (a broken fixture,
a wrong URL that reads as unset), the storage layer would go untested on PostgreSQL while CI stays green.
"""

from __future__ import annotations

import os

import pytest

PG_ENV = "TEST_DATABASE_URL"
_skipped: list[str] = []


def _postgres(report: pytest.TestReport) -> bool:
    return "postgres" in report.keywords or "postgresql" in report.nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and _postgres(report):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(PG_ENV) and _skipped and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get(PG_ENV) and _skipped:
        terminalreporter.write_line(
            f"FAILED: {PG_ENV} is set, but {len(_skipped)} PostgreSQL test(s) were skipped, e.g. {_skipped[0]}",
            red=True, bold=True)
