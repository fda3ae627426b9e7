"""The database layer: URLs, migrations that match the models, the start-up check, SQLite settings,
and the audit trail that the database itself keeps append-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from storage import audit
from storage import db as storage_db
from storage.db import Database, DatabaseNotReady, make_engine, migration_head, normalize_url
from tests import databases

from .support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("given,expected", [
    ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("  sqlite:///./x.db ", "sqlite:///./x.db"),
])
def test_database_urls_are_rewritten_for_psycopg3(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_migrations_create_exactly_the_models(db_url: str) -> None:
    database = databases.get_database(db_url)
    assert database.current() == database.head()
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_a_schema_that_is_behind_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url=url, engine=make_engine(url))
    database.upgrade("0001")
    with pytest.raises(DatabaseNotReady) as refused:
        database.ensure_ready()
    assert "tradecheck db upgrade" in str(refused.value)
    assert refused.value.current == "0001" and refused.value.head == database.head()
    database.upgrade()
    database.ensure_ready()
    assert database.current() == database.head()
    database.engine.dispose()


def test_the_start_up_check_reads_the_revisions_as_alembic_does(tmp_path: Path) -> None:
    """`head()` and `current()` read the migration files and the version table without Alembic; they
    must say what Alembic says, at every step of the way up."""
    url = f"sqlite:///{tmp_path / 'steps.db'}"
    database = Database(url=url, engine=make_engine(url))
    scripts = ScriptDirectory.from_config(database.alembic_config())
    assert database.head() == migration_head() == scripts.get_current_head()

    def alembic_current() -> str | None:
        with database.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    seen = [database.current()]
    assert seen == [alembic_current()] == [None]
    for script in reversed(list(scripts.walk_revisions())):
        database.upgrade(script.revision)
        assert database.current() == alembic_current() == script.revision
        seen.append(script.revision)
    assert seen[-1] == database.head() and len(seen) > 2
    database.engine.dispose()


@pytest.mark.parametrize("files", [
    {"a.py": "revision = 'a'\ndown_revision = None\n", "b.py": "revision = 'b'\ndown_revision = None\n"},  # 2 heads
    {"a.py": "revision = 'a'\ndown_revision = None\n", "m.py": "revision = 'm'\ndown_revision = ('a', 'x')\n"},
    {"a.py": "revision = 'a'\n"},  # no down_revision line
    {"a.py": "revision = make()\ndown_revision = None\n"},  # not a literal
])
def test_a_migration_history_that_is_not_plain_is_left_to_alembic(tmp_path: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    assert migration_head(tmp_path) is None


def test_a_database_with_several_stored_revisions_is_read_by_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'branches.db'}"
    database = Database(url=url, engine=make_engine(url))
    database.upgrade()
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('elsewhere')"))
    with pytest.raises(CommandError, match="more than one head"):  # as before: Alembic's own refusal
        database.current()
    database.engine.dispose()


def test_a_database_at_head_is_checked_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    database = Database(url=url, engine=make_engine(url))
    database.upgrade()
    database.engine.dispose()
    code = ("import sys; from storage.db import open_database; open_database(sys.argv[1]).ensure_ready(); "
            "print(sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')))")
    done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_a_brand_new_database_and_the_default_file_are_upgraded_on_first_use(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = Database(url=f"sqlite:///{tmp_path / 'new.db'}", engine=make_engine(f"sqlite:///{tmp_path / 'new.db'}"))
    fresh.ensure_ready()
    assert fresh.current() == fresh.head()
    fresh.engine.dispose()

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    default_url = storage_db.default_url()
    default = Database(url=normalize_url(default_url), engine=make_engine(default_url))
    default.upgrade("0001")  # an older local file: upgraded too, it is the user's own
    default.ensure_ready()
    assert default.current() == default.head()
    assert (tmp_path / "data" / "tradecheck" / "tradecheck.db").exists()  # in the user data folder ...
    assert not (tmp_path / "tradecheck.db").exists()  # ... not in the working directory
    default.engine.dispose()


def test_the_default_database_is_the_same_file_from_any_folder(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    urls = set()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        urls.add(databases.get_database(None).url)
    assert urls == {f"sqlite:///{(tmp_path / 'data' / 'tradecheck' / 'tradecheck.db').as_posix()}"}
    databases.reset()


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_audit_trail_cannot_be_changed_or_deleted(db_url: str) -> None:
    database = databases.get_database(db_url)
    with database.session() as session:
        event = audit.record(session, "note_added", actor="terminal:li", actor_name="Li", details={"text": "x"})
        session.commit()
        event_id = event.id
    for statement in ("UPDATE audit_event SET action = 'check' WHERE id = :id", "DELETE FROM audit_event WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement), {"id": event_id})
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_event WHERE id = :id"), {"id": event_id}).scalar() == "note_added"


def test_no_code_path_updates_or_deletes_audit_events() -> None:
    """The rule is also kept in the code: nothing but `record` writes to audit_event."""
    offenders = []
    for path in [*ROOT.joinpath("storage").rglob("*.py"), *ROOT.joinpath("bot").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        for needle in ("update(AuditEvent", "delete(AuditEvent", "UPDATE audit_event", "DELETE FROM audit_event"):
            if needle in source and "migrations" not in path.parts:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_unknown_audit_actions_are_refused(db_url: str) -> None:
    with databases.get_database(db_url).session() as session, pytest.raises(ValueError):
        audit.record(session, "edited_history", actor="x")


def _cli(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_db_upgrade_and_status_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from bot import admin
    from bot.settings import reload_settings

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    template = Database(url=url, engine=make_engine(url))
    template.upgrade("0001")
    head = template.head()
    refused = _cli("cases", "list", url=url, cwd=tmp_path)  # as a user meets it: a message, no traceback
    assert refused.returncode == 1 and "tradecheck db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    monkeypatch.setenv("DATABASE_URL", url)
    reload_settings()
    try:
        assert admin.db_main(["status"]) == 1 and "schema 0001" in capsys.readouterr().out
        assert admin.db_main(["upgrade"]) == 0 and f"0001 → {head}" in capsys.readouterr().out
        assert admin.db_main(["status"]) == 0
        assert admin.db_main(["upgrade"]) == 0  # again: nothing to do, no error
    finally:
        databases.reset()
        reload_settings()
