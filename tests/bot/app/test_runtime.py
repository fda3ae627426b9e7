"""The runtime builds what it holds once, on first use, and two runtimes share nothing."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot import logs
from bot.app import Runtime
from bot.settings import BotSettings, get_bot_settings, reload_settings
from checks.engine import Engine
from storage.db import open_database
from storage.models import Case


def test_an_online_engine_is_built_once_with_the_runtimes_http_client() -> None:
    runtime = Runtime(get_bot_settings(), offline=False)
    built: list[Engine] = []

    def build() -> None:
        built.append(runtime.engine())

    threads = [threading.Thread(target=build) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)  # building the engine makes the client: no deadlock
    assert len(built) == 3 and built[0] is built[1] is built[2]
    assert any(source.online for source in built[0].sources) and built[0].http is runtime.http
    assert runtime.engine(offline=True) is not built[0] and runtime.engine(offline=True) is runtime.engine(offline=True)
    runtime.close()


def test_two_runtimes_share_no_engine_no_services_and_an_injected_engine_wins() -> None:
    mine = Engine([])
    a, b = Runtime(get_bot_settings(), engine=mine), Runtime(get_bot_settings())
    assert a.engine() is mine and a.engine(offline=True) is mine
    assert a.checking is a.checking and a.checking is not b.checking and a.cases is not b.cases
    assert b.engine(offline=True) is not mine


def test_a_runtime_opens_its_own_database_and_closes_it_but_not_one_it_was_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'own.db'}"
    a, b = Runtime(BotSettings(DATABASE_URL=url)), Runtime(BotSettings(DATABASE_URL=url))
    assert a.database is a.database and a.database is not b.database  # no process-wide registry between them
    assert a.ensure_database().url == url and b.ensure_database().url == url
    with a.database.session() as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == 0
    assert a.database.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
    a.close()
    assert a.database.engine.pool.checkedin() == 0  # type: ignore[attr-defined]  # its connections closed
    given = open_database(url)
    with Runtime(BotSettings(DATABASE_URL=url), database=given) as runtime:
        assert runtime.ensure_database() is given
        with given.session() as session:
            session.exec(select(func.count()).select_from(Case)).one()
    assert given.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]  # the owner's, left open
    for database in (given, b.database):
        database.engine.dispose()


def test_an_entry_points_runtime_keeps_the_secrets_of_its_settings_out_of_the_logs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "signing-" + uuid.uuid4().hex  # no token shape: redacted only because the settings hold it
    monkeypatch.setenv("SLACK_SIGNING_SECRET", secret)
    reload_settings()
    try:
        assert logs.redact(f"bad signature {secret}") == f"bad signature {secret}"
        runtime = Runtime.from_environment()
        assert logs.redact(f"bad signature {secret}") == "bad signature [redacted]"
        runtime.close()
    finally:
        monkeypatch.delenv("SLACK_SIGNING_SECRET")
        reload_settings()


def test_the_runtimes_engines_screen_with_its_screening_service_and_work_on_its_threads() -> None:
    from checks.sources.sanctions import SanctionsSource

    a, b = Runtime(get_bot_settings(), offline=False), Runtime(get_bot_settings())
    offline, online = a.engine(offline=True), a.engine(offline=False)
    for engine in (offline, online):  # both engines: one loaded index, one CPU thread (not two per runtime)
        [sanctions] = [s for s in engine.sources if isinstance(s, SanctionsSource)]
        assert engine.screening is a.screening and sanctions.screening is a.screening
        assert engine.cpu is a.cpu_pool
    assert b.screening is not a.screening and b.engine(offline=True).cpu is not a.cpu_pool
    assert a.parse_pool is a.parse_pool and a.parse_pool is not b.parse_pool and a.parse_pool is not a.cpu_pool
    a.close()
    b.close()


def test_closing_the_runtime_stops_its_threads() -> None:
    import asyncio

    runtime = Runtime(get_bot_settings())

    async def parse_and_name_the_thread() -> tuple[str, str]:
        request = await runtime.checking.parse("ACME Trading LLC country=AE")
        return request.company, await runtime.parse_pool.run(lambda: threading.current_thread().name)

    company, thread_name = asyncio.run(parse_and_name_the_thread())
    assert company == "ACME Trading LLC" and thread_name.startswith("parse")
    [worker] = [t for t in threading.enumerate() if t.name == thread_name]
    runtime.close()
    worker.join(timeout=30)
    assert not worker.is_alive()
