"""The Feishu adapter behind `tradecheck serve`'s ASGI app, against a fake Open API on 127.0.0.1.

Each test gets its own SQLite database and runtime (`runtime_factory`), the offline engine plus a slow
source (so the card is updated while the check runs) and a verbose one (40 long findings), and an httpx
client on the app.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.app import Runtime
from bot.settings import get_bot_settings, reload_settings
from checks.engine import CheckContext, Engine, Source
from checks.models import Evidence, Finding, Section, Severity, Status
from checks.request import CheckRequest
from tests import databases
from tests.runtimes import MakeRuntime

from .fake_feishu import (
    APP_ID,
    APP_SECRET,
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FakeFeishu,
    card_action,
    message_event,
    signed_post,
)

SALES = "ou_sales"
MANAGER = "ou_manager"
OTHER = "ou_other"
GROUP = "oc_group"


class SlowRegistrySource(Source):
    name = "test_registry"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        await asyncio.sleep(0.3)  # answers after the first progress update went out
        return [Finding(code="test.registry", status=Status.FLAG, severity=Severity.MEDIUM,
                        title=f"No registry record for {request.company}", detail="Searched <registry> & co.",
                        section=Section.PROFILE,
                        evidence=[Evidence(source="registry", url="https://example.org/search?q=a&b=(c)")])]


class ManyFindingsSource(Source):
    name = "test_verbose_registry"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        if not request.company.startswith("Verbose"):
            return []
        return [Finding(code="test.registry_line", status=Status.FLAG, severity=Severity.LOW, section=Section.PROFILE,
                        title=f"Registry line {i}: " + "director changed, address moved, filing late; " * 8,
                        detail="**not markup** <at id=all></at> & " * 40) for i in range(40)]


def engine(runtime: Runtime) -> Engine:
    """The runtime's offline engine plus the test sources."""
    base = runtime.engine(offline=True)
    return Engine([*base.sources, SlowRegistrySource(), ManyFindingsSource()], base.analyzers, base.scorer)


@dataclass
class Harness:
    fake: FakeFeishu
    http: httpx.AsyncClient
    bot: Any
    runtime: Runtime
    app: Any = None  # the ASGI app (its lifespan runs the resumer, as `tradecheck serve` does)

    async def post(self, payload: dict[str, Any], **signing: Any) -> httpx.Response:
        body, headers = signed_post(payload, **signing)
        return await self.http.post("/feishu/events", content=body, headers=headers)

    async def say(self, text: str, user: str = SALES, **kwargs: Any) -> httpx.Response:
        response = await self.post(message_event(text, user=user, **kwargs))
        await self.bot.drain()
        return response

    async def check(self, text: str, user: str = SALES, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        """`/check …`; the card's message id and the finished card."""
        mark = len(self.fake.calls)
        response = await self.say(text, user, **kwargs)
        assert response.status_code == 200
        replies = [c for c in self.fake.calls[mark:] if c.method == "reply"]
        assert replies, "the card was posted as a reply"
        card_id = replies[0].message_id or ""
        return card_id, self.fake.cards[card_id]

    async def press(self, card_id: str, value: dict[str, Any], user: str, *, chat: str = "oc_p2p",
                    form_value: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(card_action(value, user=user, message_id=card_id, chat=chat, form_value=form_value))
        assert response.status_code == 200, response.text
        await self.bot.drain()
        return response.json()


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's buttons by action kind: their callback values."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") == "button" and node.get("behaviors"):
                value = node["behaviors"][0].get("value") or {}
                found.setdefault(value.get("a", ""), value)
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def submit_of(card: dict[str, Any]) -> dict[str, Any]:
    """The callback value of the reason form's submit button."""
    form = next(e for e in card["body"]["elements"] if e.get("tag") == "form")
    return buttons(form["elements"])[next(iter(buttons(form["elements"])))]


def text_of(card: dict[str, Any]) -> str:
    import re

    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") in ("markdown", "plain_text") and isinstance(node.get("content"), str):
                parts.append(node["content"])
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), "\n".join(parts))


@pytest.fixture
async def fake() -> AsyncIterator[FakeFeishu]:
    api = await FakeFeishu().start()
    api.names.update({SALES: "Li Wei", MANAGER: "Wang Fang", OTHER: "Zhao Min"})
    yield api
    await api.stop()


@pytest.fixture
def env(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, fake: FakeFeishu) -> Any:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tradecheck.db'}")
    monkeypatch.setenv("TRADECHECK_OFFLINE", "1")
    monkeypatch.setenv("FEISHU_APP_ID", APP_ID)
    monkeypatch.setenv("FEISHU_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("FEISHU_ENCRYPT_KEY", ENCRYPT_KEY)
    monkeypatch.setenv("FEISHU_VERIFICATION_TOKEN", VERIFICATION_TOKEN)
    monkeypatch.setenv("FEISHU_API_URL", fake.url)
    monkeypatch.setenv("FEISHU_LANG", "en")
    monkeypatch.setenv("MANAGERS", f"feishu:{MANAGER}")
    monkeypatch.chdir(tmp_path)
    reload_settings()
    yield get_bot_settings()
    reload_settings()

    databases.reset()


@pytest.fixture
async def harness(env: Any, fake: FakeFeishu, runtime_factory: MakeRuntime) -> AsyncIterator[Harness]:
    from bot.app.services import RuntimeServices
    from bot.feishu.api import FeishuApi
    from bot.feishu.handlers import FeishuBot
    from bot.feishu.settings import FeishuSettings
    from bot.server import create_app

    runtime = runtime_factory()
    services = RuntimeServices(runtime)
    settings = FeishuSettings()
    bot = FeishuBot(FeishuApi(settings), settings, services, engine=engine(runtime), progress_interval=0.05)
    app = create_app(env, mount_slack=False, mount_telegram=False, feishu_bot=bot, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feishu.test") as http:
        yield Harness(fake, http, bot, runtime, app)
    await bot.drain()


def dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
