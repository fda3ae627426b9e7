"""CI cannot stay green while PostgreSQL tests skip: tests/pg_required.py turns such a run into a failure."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INNER = '''
import pytest

@pytest.mark.postgres
def test_on_postgres():
    pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")

def test_plain():
    pass
'''


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    from tests import pg_required

    monkeypatch.setattr(pg_required, "_skipped", [])
    pytester.makepyfile(test_inner=INNER)
    pytester.makeini("[pytest]\nmarkers =\n    postgres: needs PostgreSQL\n")
    return pytester


def test_a_skipped_postgres_test_fails_the_run_when_the_url_is_set(inner: pytest.Pytester,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    result = inner.runpytest_inprocess("-p", "tests.pg_required", "-rs")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*FAILED: TEST_DATABASE_URL is set, but 1 PostgreSQL test(s) were skipped*"])
    result.stdout.fnmatch_lines(["*SKIPPED*PostgreSQL tests need TEST_DATABASE_URL*"])  # -rs says why


def test_without_the_url_the_skip_is_only_reported(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    result = inner.runpytest_inprocess("-p", "tests.pg_required", "-rs")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*SKIPPED*PostgreSQL tests need TEST_DATABASE_URL*"])
    assert "were skipped" not in result.stdout.str()
