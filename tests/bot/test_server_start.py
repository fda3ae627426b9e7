"""`tradecheck serve` accepts what the README documents, and the ASGI factory warms up off its loop."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from bot import server
from bot.app.services import RuntimeServices
from tests.runtimes import MakeRuntime

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_serve_flag_in_the_readme_is_accepted() -> None:
    line = next(line for line in README.read_text(encoding="utf-8").splitlines() if "`tradecheck serve [" in line)
    flags = re.findall(r"\[(--[a-z-]+)(?: [A-Z]+)?\]", line.split("`tradecheck serve", 1)[1].split("`", 1)[0])
    assert "--no-monitor" in flags and len(flags) >= 5
    parser = server.serve_parser()
    for flag in flags:
        argv = [flag, "1"] if flag == "--port" else [flag, "x"] if flag == "--host" else [flag]
        parser.parse_args(argv)  # argparse exits (SystemExit) on a flag it does not know
    assert parser.parse_args(["--no-monitor"]).monitor is False
    assert parser.parse_args([]).monitor is True


async def test_the_uvicorn_factory_builds_the_engine_on_a_worker_thread(monkeypatch: pytest.MonkeyPatch,
                                                                         runtime_factory: MakeRuntime) -> None:
    threads: list[threading.Thread] = []
    monkeypatch.setattr(server, "warm_up", lambda services: threads.append(threading.current_thread()))
    runtime = runtime_factory()
    closed: list[bool] = []
    monkeypatch.setattr(runtime, "close", lambda: closed.append(True))
    app = server.create_app(mount_slack=False, mount_telegram=False, warm=True, services=RuntimeServices(runtime),
                            close_runtime=True)
    async with app.router.lifespan_context(app):
        assert len(threads) == 1
        assert not closed
    assert threads[0] is not threading.main_thread()
    assert closed == [True]  # the factory's app owns its runtime: closed at shutdown
    plain = server.create_app(mount_slack=False, mount_telegram=False, services=RuntimeServices(runtime))
    async with plain.router.lifespan_context(plain):
        assert len(threads) == 1  # only the factory warms up; `serve` does it itself before serving
    assert closed == [True]  # `serve` closes its runtime itself


async def test_each_uvicorn_worker_builds_its_own_runtime_and_closes_it(monkeypatch: pytest.MonkeyPatch,
                                                                      runtime_factory: MakeRuntime) -> None:
    from bot.app import Runtime

    built: list[Runtime] = []
    closed: list[Runtime] = []

    def from_environment(cls: type[Runtime], **options: object) -> Runtime:
        runtime = runtime_factory()
        monkeypatch.setattr(runtime, "close", lambda: closed.append(runtime))
        built.append(runtime)
        return runtime

    monkeypatch.setattr(Runtime, "from_environment", classmethod(from_environment))
    monkeypatch.setattr(server, "warm_up", lambda services: None)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    app = server.asgi_app()
    async with app.router.lifespan_context(app):
        assert len(built) == 1 and not closed
    assert closed == built  # the worker's runtime ends with it
