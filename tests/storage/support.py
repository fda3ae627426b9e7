"""Shared fixtures for the storage and flow tests: the databases, and a small risk engine.

`db_url` runs a test once on SQLite (a fresh file, copied from a migrated template) and once on
PostgreSQL when TEST_DATABASE_URL is set (a schema of its own per test module, emptied before each
test; skipped with a reason otherwise). It points DATABASE_URL at that database, as the product
reads it.

`risk_engine()` is a real `Engine` with two small sources and a scorer written for these tests:
the product's own scorer and screening sources are built by other work and change meanwhile, and
these tests are about what the flows do with a risky report (approval, cleared matches), not
about how risky a buyer is.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot.settings import reload_settings
from checks.engine import CheckContext, Engine, Scorer, Source
from checks.models import Decision, DecisionCode, Finding, Report, RiskFactor, RiskLevel, Section, Severity, Status
from checks.request import CheckRequest
from storage import db as storage_db
from storage.db import Database
from tests import databases

PG_ENV = "TEST_DATABASE_URL"
SKIP_PG = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"


def with_schema(url: str, schema: str) -> str:
    """The same server and database, with `schema` first on the search path."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote('-csearch_path=' + schema)}"


def _tables(database: Database) -> list[str]:
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401

    return [table.name for table in SQLModel.metadata.sorted_tables]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(url=f"sqlite:///{path}", engine=storage_db.make_engine(f"sqlite:///{path}"))
    database.upgrade()
    database.engine.dispose()
    return path


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(SKIP_PG)
    base = storage_db.normalize_url(base)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(base, schema)
    databases.get_database(url).upgrade()
    yield url
    databases.reset()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    database = databases.get_database(url)
    names = ", ".join(f'"{name}"' for name in _tables(database))
    with database.engine.begin() as connection:  # the audit trail refuses TRUNCATE: triggers off, this transaction only
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MANAGERS", raising=False)
    reload_settings()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "tradecheck.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        _empty_postgres(url)
    use_database(monkeypatch, url)
    yield url
    if request.param == "sqlite":
        database = databases._DATABASES.pop(url, None)
        if database is not None:
            database.engine.dispose()
    reload_settings()


def set_managers(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MANAGERS", value)
    reload_settings()


# --- a small risk engine ---------------------------------------------------------------------------
EMBARGOED = {"IR", "KP", "SY", "CU"}


class EmbargoSource(Source):
    """Comprehensive embargoes: the rule of checks' country-risk source, for a country code."""

    name = "test_embargo"
    needs = ("country",)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        if request.country in EMBARGOED:
            return [Finding(code="country.embargoed", status=Status.FAIL, severity=Severity.CRITICAL,
                            title=f"{request.country} is under a comprehensive embargo", section=Section.RISK)]
        return [Finding(code="country.embargoed", status=Status.PASS, title="no embargo", section=Section.RISK)]


class ListSource(Source):
    """A watchlist of one or more entries, matched on the exact company name; entries can change."""

    name = "test_list"
    needs = ("company",)

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        entry = self.entries.get(request.company.casefold())
        if entry is None:
            return []
        return [Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL,
                        title=f"Possible match: {entry['name']}", section=Section.RISK, data=dict(entry))]


POINTS = {Severity.CRITICAL: 60, Severity.HIGH: 35, Severity.MEDIUM: 15, Severity.LOW: 5, Severity.INFO: 0}


class PointsScorer(Scorer):
    """Points by severity for every flag or fail; high and critical need a manager's approval."""

    decides = True  # its own small decision below (the engine keeps it)

    def score(self, report: Report, ctx: CheckContext) -> None:
        factors = [RiskFactor(code=f.code, points=POINTS[f.severity], reason=f.title)
                   for f in report.problems() if POINTS[f.severity]]
        score = min(100, sum(f.points for f in factors))
        level = (RiskLevel.CRITICAL if score >= 80 else RiskLevel.HIGH if score >= 50
                 else RiskLevel.MEDIUM if score >= 20 else RiskLevel.LOW)
        report.risk.level, report.risk.score, report.risk.factors = level, score, factors
        report.risk.approval_required = level.rank >= RiskLevel.HIGH.rank
        # its own small decision (the engine keeps a decision that names its rule): a sanctions hit
        # stops; a high risk is verified first; the rest proceeds
        hits = [f.code for f in report.problems() if f.code == "sanctions.hit"]
        code = (DecisionCode.STOP if hits else DecisionCode.VERIFY_FIRST if level.rank >= RiskLevel.HIGH.rank
                else DecisionCode.PROCEED)
        report.decision = Decision(code=code, reason=f"test decision: {code.value}", action="test action",
                                   rule="test:points", codes=hits)


def risk_engine() -> tuple[Engine, ListSource]:
    watchlist = ListSource()
    return Engine([EmbargoSource(), watchlist], [], PointsScorer()), watchlist
