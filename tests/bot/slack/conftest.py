"""End-to-end harness: the real ASGI app under uvicorn on a free port, a fake Slack Web API on
another, a temporary SQLite database, and requests signed the way Slack signs them."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn

import bot  # noqa: F401  (registers the bot's catalog)
from bot.app import Runtime
from bot.app.services import RuntimeServices
from bot.server import create_app
from bot.settings import get_bot_settings, reload_settings
from bot.slack import people
from bot.slack.app import SlackBot, build_app
from checks.engine import CheckContext, Engine, Source
from checks.models import Finding, Section, Status
from checks.request import CheckRequest
from tests.runtimes import MakeRuntime

from .fake_slack import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T1"
SALES, OTHER_SALES, MANAGER, MANAGER2 = "USALES", "USALES2", "UMGR", "UMGR2"


class Waits(Source):
    """A source that answers after a while, like a slow public registry (makes progress visible)."""

    def __init__(self, name: str, seconds: float) -> None:
        self.name = name  # type: ignore[misc]
        self.seconds = seconds
        self.timeout = seconds + 5

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        await asyncio.sleep(self.seconds)
        return [Finding(code=f"{self.name}.seen", status=Status.INFO, section=Section.PROFILE,
                        title=f"{request.company or request.email}: answered by {self.name}")]


def make_engine(runtime: Runtime, slow: float = 0.8) -> Engine:
    """The runtime's offline engine's sources, analyzers and scorer, plus two that take time."""
    offline = runtime.engine(offline=True)
    sources = [*offline.sources, Waits("quick_registry", 0.05), Waits("slow_registry", slow)]
    return Engine(sources, offline.analyzers, offline.scorer)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over `v0:{timestamp}:{body}` with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackHarness:
    url: str
    fake: FakeSlack
    http: httpx.AsyncClient
    server_runtime: Runtime | None = None  # None: the server runs in another process (benchmarks)
    _trigger: int = 0
    acks: list[float] = field(default_factory=list)

    @property
    def runtime(self) -> Runtime:
        """The in-process server's runtime: what a test reads or does directly goes through the same
        application layer as the server's requests."""
        assert self.server_runtime is not None, "this harness talks to a server in another process"
        return self.server_runtime

    def trigger(self) -> str:
        self._trigger += 1
        return f"{self._trigger}.{time.time_ns()}.trigger"

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None,
                   signature: dict[str, str] | None = None) -> httpx.Response:
        started = time.perf_counter()
        response = await self.http.post(
            self.url + "/slack/events", content=body.encode(),
            headers={"Content-Type": content_type, **(signature if signature is not None else sign(body)), **(headers or {})},
        )
        self.acks.append(time.perf_counter() - started)
        return response

    def command_body(self, text: str, user: str = SALES, channel: str = "C1", trigger: str | None = None, **extra: str) -> str:
        form = {
            "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel, "channel_name": "sales",
            "user_id": user, "user_name": user.lower(), "command": "/check", "text": text,
            "api_app_id": "A1", "is_enterprise_install": "false", "response_url": self.fake.response_url(f"cmd-{user}"),
            "trigger_id": trigger or self.trigger(), **extra,
        }
        return urlencode(form)

    async def settled(self, timeout: float = 60) -> None:
        """Wait until every Bolt listener started so far has returned: the event that proves a handler
        finished, so "nothing was sent" can be asserted without guessing how long it might take."""
        deadline = time.monotonic() + timeout
        while True:
            running = [task for task in asyncio.all_tasks() if not task.done() and _is_listener(task)]
            if not running:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{len(running)} Slack listener(s) still running after {timeout} s")
            await asyncio.wait(running, timeout=remaining)

    async def command(self, text: str, user: str = SALES, channel: str = "C1", headers: dict[str, str] | None = None,
                      trigger: str | None = None) -> httpx.Response:
        return await self.post(self.command_body(text, user, channel, trigger), "application/x-www-form-urlencoded", headers)

    async def interact(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", headers)

    async def event(self, event: dict[str, Any], event_id: str = "Ev1", headers: dict[str, str] | None = None) -> httpx.Response:
        body = json.dumps({"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                           "event_id": event_id, "event_time": int(time.time()), "event": event})
        return await self.post(body, "application/json", headers)

    async def run_check(self, text: str, user: str = SALES, channel: str = "C1", timeout: float = 30) -> dict[str, Any]:
        """/check and wait for the finished card; returns the last chat.update call's params (with ts)."""
        before = len(self.fake.of("chat.update"))
        response = await self.command(text, user=user, channel=channel)
        assert response.status_code == 200, response.text

        def finished() -> Any:
            done = [c for c in self.fake.of("chat.update")[before:] if "⏳" not in c.params["blocks"][0]["text"]["text"]]
            return done[-1] if done else None

        call = await self.fake.wait_for(finished, timeout=timeout)
        return dict(call.params)

    def buttons(self, blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The card's buttons by action kind (`approve`, `reject`, ...)."""
        found: dict[str, dict[str, Any]] = {}
        for block in blocks:
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":  # the main button, beside the decision
                found.setdefault(accessory["action_id"].split(":")[1], accessory)
            if block["type"] == "actions":
                for element in block["elements"]:
                    found.setdefault(element["action_id"].split(":")[1], element)
        return found

    def view_submission(self, view: dict[str, Any], user: str, reason: str) -> dict[str, Any]:
        """The payload Slack sends when `user` submits the modal `view` (as opened) with `reason`."""
        return {
            "type": "view_submission", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A1", "token": "legacy", "trigger_id": self.trigger(),
            "view": {**view, "state": {"values": {"reason": {"reason_input": {"type": "plain_text_input", "value": reason}}}},
                     "hash": "h1", "team_id": TEAM, "app_id": "A1", "bot_id": "BBOT"},
            "response_urls": [],
        }

    def button(self, action: dict[str, Any], user: str, channel: str, ts: str) -> dict[str, Any]:
        """A block_actions payload for pressing `action` (a button dict from the card) on message `ts`."""
        return {
            "type": "block_actions", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A1", "token": "legacy", "trigger_id": self.trigger(),
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "sales"}, "message": {"type": "message", "ts": ts, "text": ""},
            "response_url": self.fake.response_url(f"btn-{user}"),
            "actions": [{"type": "button", "block_id": "tc_actions_0", "action_id": action["action_id"],
                         "text": action["text"], "value": action["value"], "action_ts": str(time.time())}],
        }


def _is_listener(task: asyncio.Task[Any]) -> bool:
    """A Bolt listener body, run after its ack (slack_bolt.listener.asyncio_runner)."""
    return getattr(task.get_coro(), "__qualname__", "").endswith("run_ack_function_asynchronously")


@pytest.fixture
def slack_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tradecheck.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("MANAGERS", f"slack:{MANAGER},slack:{MANAGER2}")
    monkeypatch.setenv("TRADECHECK_OFFLINE", "1")
    monkeypatch.setenv("TRADECHECK_LANG", "en")
    monkeypatch.chdir(tmp_path)
    reload_settings()
    people.clear_cache()
    _reset_database()
    yield
    reload_settings()
    people.clear_cache()
    _reset_database()


def _reset_database() -> None:
    try:
        from storage import db
    except ImportError:
        return
    db.reset()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(users={
        SALES: {"real_name": "Zhang Wei", "display_name": "Zhang Wei", "locale": "en-US"},
        OTHER_SALES: {"real_name": "Chen Jing", "locale": "zh-CN"},
        MANAGER: {"real_name": "Li Na", "display_name": "Li Na (manager)", "locale": "en-US"},
        MANAGER2: {"real_name": "Wang Fang", "locale": "zh-CN"},
    })
    await fake.start()
    yield fake
    await fake.stop()


async def start_app(fake: FakeSlack, make_runtime: MakeRuntime, *, engine: Engine | None = None,
                    progress_interval: float = 0.2) -> tuple[str, Any, Any, Runtime]:
    """uvicorn serving the real ASGI app over a runtime of its own, as one `tradecheck serve` process;
    returns (base URL, server, task, runtime)."""
    import os

    os.environ["SLACK_API_URL"] = fake.api_url
    reload_settings()
    settings = get_bot_settings()
    runtime = make_runtime()
    await runtime.ready_database()  # as `tradecheck serve` does before its first request
    slack_app = build_app(SlackBot(runtime, settings=settings, engine=engine or make_engine(runtime),
                                   progress_interval=progress_interval))
    app = create_app(settings, slack_app=slack_app, mount_telegram=False, services=RuntimeServices(runtime))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
        if task.done():
            task.result()
    return f"http://127.0.0.1:{port}", server, task, runtime


@pytest.fixture
async def slack(slack_env: Any, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch,
                runtime_factory: MakeRuntime) -> AsyncIterator[SlackHarness]:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    url, server, task, runtime = await start_app(fake_slack, runtime_factory)
    async with httpx.AsyncClient(timeout=10) as http:
        yield SlackHarness(url=url, fake=fake_slack, http=http, server_runtime=runtime)
    # let listeners that are still running (card updates) finish before the database goes away
    await asyncio.sleep(0.05)
    server.should_exit = True
    await task
