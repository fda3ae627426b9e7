"""20 checks of the same new buyer started at once create ONE case with 20 check runs.

Two tests: 20 threads of this process writing through `save_check` at once (SQLite and PostgreSQL),
and 20 processes each running `tradecheck check "Same Buyer LLC" site=samebuyer.example --offline`
(the real `bot.cli.main`, with the real offline engine) against one PostgreSQL database. The
processes are forked from the test once the package is imported and the offline engine is built and
warmed (its sanctions index is built on first use): 20 fresh interpreters would spend the test's
time budget on start-up. They wait for a common start signal, so that their writes really race;
each child opens its own database connections.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import func, select

from storage import cases as store
from storage import db as storage_db
from storage.buyers import buyer_keys
from storage.models import Case, CaseKey, CheckRun
from tests import databases
from tests.runtimes import MakeRuntime

from .support import SKIP_PG, db_url, pg_url, sqlite_template, with_schema  # noqa: F401  (fixtures)

PROCESSES = 20
def _one_case_with(url: str, runs: int) -> list[str]:
    with databases.get_database(url).session() as session:
        cases = session.exec(select(Case)).all()
        assert len(cases) == 1
        count = session.exec(select(func.count()).select_from(CheckRun).where(CheckRun.case_id == cases[0].id)).one()
        assert count == runs
        return sorted(session.exec(select(CaseKey.key).where(CaseKey.case_id == cases[0].id)).all())


def test_twenty_threads_writing_one_new_buyer_open_one_case(db_url: str) -> None:
    database = databases.get_database(db_url)
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


def _child(url: str, go: Path) -> int:
    """In a forked child: forget the parent's connections, wait for the signal, run the command."""
    databases._DATABASES.clear()  # the parent's pools stay the parent's; never close them from here
    deadline = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline:
            return 3
        time.sleep(0.005)
    os.environ["DATABASE_URL"] = url
    from bot import cli
    from bot.settings import reload_settings

    reload_settings()  # the parent read its settings (and DATABASE_URL) before the fork: read them anew

    with open(os.devnull, "w") as devnull:
        sys.stdout = devnull
        return cli.main(["check", "Same Buyer LLC", "site=samebuyer.example", "--offline"])


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_twenty_processes_checking_one_new_buyer_open_one_case(tmp_path: Path, runtime_factory: MakeRuntime) -> None:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip(SKIP_PG)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(storage_db.normalize_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(storage_db.normalize_url(base), schema)
    databases.get_database(url).upgrade()
    databases.reset()
    import asyncio

    from checks.request import parse

    # the product's offline engine, built and warmed once (lazy indexes): the children inherit the loaded
    # sanctions index (each child's `check` builds its own runtime and engine over it)
    engine = runtime_factory().engine(offline=True)
    asyncio.run(engine.run(parse("Warm Up Ltd site=warmup.example")))
    go = tmp_path / "go"
    children: list[int] = []
    try:
        for _ in range(PROCESSES):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 1
                try:
                    code = _child(url, go)
                finally:
                    os._exit(code)
            children.append(pid)
        go.touch()
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        children = []
        assert codes == [0] * PROCESSES
        assert _one_case_with(url, PROCESSES) == ["name:same buyer llc|"]  # .example is no public suffix
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except ProcessLookupError:
                pass
        databases.reset()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
