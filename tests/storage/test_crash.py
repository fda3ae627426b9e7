"""A process killed with SIGKILL in the middle of writing a check leaves the database consistent:
the check is either fully there or not at all, and the next start works.

How: `storage.cases.save_check` honours TRADECHECK_TEST_PAUSE_IN_WRITE=<file> — inside its write
transaction, after the case, its keys, the check run and the audit event are written but before
the commit, it creates <file> and sleeps. The test waits for the file, SIGKILLs the process, and
looks at the database. The hook does nothing unless that variable is set; only this test sets it.
The killed process runs the real check (`runtime.checking.run_check`, stored, over a runtime built as
an entry point builds it) with an engine without sources, to keep the interpreter cheap; what is under
test is the write.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import func, select

from bot.app import Actor, Runtime
from bot.settings import get_bot_settings
from checks.engine import Engine
from storage.cases import PAUSE_ENV
from storage.models import AuditEvent, Case, CaseKey, CheckRun
from tests import databases

from .support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Crash Buyer LLC site=crash-buyer.example country=DE"
LAUNCHER = f"""
import asyncio
from bot.app import Actor, Runtime
from checks.engine import Engine
runtime = Runtime.from_environment()
asyncio.run(runtime.checking.run_check({TEXT!r}, Actor("terminal", "crash", "Crash"), engine=Engine([])))
"""


def _kill_mid_write(url: str, tmp_path: Path) -> None:
    marker = tmp_path / "in-transaction"
    marker.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), PAUSE_ENV: str(marker)}
    process = subprocess.Popen([sys.executable, "-c", LAUNCHER], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the check never reached its write transaction"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _counts(url: str) -> dict[str, int]:
    database = databases.get_database(url)
    with database.session() as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Case, CaseKey, CheckRun, AuditEvent)}


def _next_start(url: str) -> None:
    """A new start: fresh connections (a new runtime opens its own database), the schema check, a stored check."""
    database = databases._DATABASES.pop(url, None)  # the test's own reading connections too
    if database is not None:
        database.engine.dispose()
    with Runtime(get_bot_settings(), engine=Engine([])) as runtime:
        outcome = asyncio.run(runtime.checking.run_check(TEXT, Actor("terminal", "li", "Li")))
    assert outcome.case is not None


def test_a_check_killed_mid_write_is_all_or_nothing(db_url: str, tmp_path: Path) -> None:
    _kill_mid_write(db_url, tmp_path)  # a new buyer: case, keys, run and audit all in the killed transaction
    assert _counts(db_url) == {"Case": 0, "CaseKey": 0, "CheckRun": 0, "AuditEvent": 0}

    _next_start(db_url)
    after_first = _counts(db_url)
    assert after_first["Case"] == 1 and after_first["CheckRun"] == 1

    _kill_mid_write(db_url, tmp_path)  # a known buyer: the second run is not half there either
    assert _counts(db_url) == after_first

    _next_start(db_url)
    final = _counts(db_url)
    assert final["Case"] == 1 and final["CheckRun"] == 2 and final["AuditEvent"] == after_first["AuditEvent"] + 1
    database = databases.get_database(db_url)
    with database.session() as session:
        runs = session.exec(select(CheckRun)).all()
        assert all(run.report.get("subject", {}).get("name") == "Crash Buyer LLC" for run in runs)
    if database.dialect == "sqlite":
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
