"""20 checks of the same new buyer started at once create ONE case with 20 check runs.

Two tests: 20 threads of this process writing through `save_check` at once (SQLite and PostgreSQL),
and 20 processes of `tradecheck check "Same Buyer LLC" site=samebuyer.example --offline` against one
PostgreSQL database. The processes start through a tiny launcher that imports the package, waits
for a common start signal so that the 20 writes really race, and then runs the real command line
(`bot.cli.main`). The launcher gives the command an engine without sources: 20 interpreters that
each build the full offline engine (watchlist indexes) do not fit the suite's time budget, and the
race under test is in the flows and storage, which run unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from storage import cases as store
from storage import db as storage_db
from storage.buyers import buyer_keys
from storage.models import Case, CaseKey, CheckRun

from .support import SKIP_PG, db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 20
LAUNCHER = """
import os, sys, time
from bot import cli, flows
from checks.engine import Engine
flows.get_engine = lambda offline=None: Engine([])
open(sys.argv[1] + "." + str(os.getpid()), "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(sys.argv[2]):
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.01)
sys.exit(cli.main(["check", "Same Buyer LLC", "site=samebuyer.example", "--offline"]))
"""


def _one_case_with(url: str, runs: int) -> list[str]:
    with storage_db.get_database(url).session() as session:
        cases = session.exec(select(Case)).all()
        assert len(cases) == 1
        count = session.exec(select(func.count()).select_from(CheckRun).where(CheckRun.case_id == cases[0].id)).one()
        assert count == runs
        return sorted(session.exec(select(CaseKey.key).where(CaseKey.case_id == cases[0].id)).all())


def test_twenty_threads_writing_one_new_buyer_open_one_case(db_url: str) -> None:
    database = storage_db.get_database(db_url)
    database.ensure_ready()
    keys = buyer_keys("Same Buyer LLC", None, site="samebuyer.example")
    barrier = threading.Barrier(PROCESSES)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            store.save_check(database, store.Who("terminal", f"user{n}", f"User {n}"), keys, request={"n": n},
                             report={}, risk_level="low", score=0, approval_required=False, lists_as_of={})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _one_case_with(db_url, PROCESSES) == ["name:same buyer llc|"]  # .example is no public suffix


@pytest.mark.slow
def test_twenty_processes_checking_one_new_buyer_open_one_case(tmp_path: Path) -> None:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip(SKIP_PG)
    import uuid

    from sqlalchemy import create_engine, text

    from .support import with_schema

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(storage_db.normalize_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(storage_db.normalize_url(base), schema)
    storage_db.get_database(url).upgrade()
    ready, go = tmp_path / "ready", tmp_path / "go"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen([sys.executable, "-c", LAUNCHER, str(ready), str(go)], env=env, cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 90
        while len(list(tmp_path.glob("ready.*"))) < PROCESSES:
            assert time.monotonic() < deadline, "the processes did not start"
            assert all(p.poll() is None for p in processes), [p.stderr.read() for p in processes if p.poll() is not None]  # type: ignore[union-attr]
            time.sleep(0.05)
        go.touch()
        errors = []
        for process in processes:
            _, stderr = process.communicate(timeout=120)
            if process.returncode != 0:
                errors.append(stderr[-2000:])
        assert errors == []
        assert _one_case_with(url, PROCESSES) == ["name:same buyer llc|"]  # .example is no public suffix
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        storage_db.reset()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
