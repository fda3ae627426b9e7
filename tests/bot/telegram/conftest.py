"""The real PTB Application behind the webhook route, against a fake Bot API on 127.0.0.1.

Each test gets its own SQLite database (DATABASE_URL) and runtime (`runtime_factory`, after the
database), the offline engine plus two sources that finish at different times (so the card is edited
as they do), and a httpx client on the ASGI app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import Runtime
from bot.settings import get_bot_settings, reload_settings
from checks.engine import CheckContext, Engine, Source
from checks.models import Evidence, Finding, Section, Severity, Status
from checks.request import CheckRequest
from tests import databases
from tests.runtimes import MakeRuntime

from .fakeapi import BOT_ID, TOKEN, FakeBotAPI, Updates

SECRET = "s3cret-webhook-token"
MANAGER = 222
SALES = 111
OTHER = 333
GROUP = -1001234567890


class EmailShapeSource(Source):
    """Answers quickly: whether an e-mail was given (a real offline rule would say more)."""

    name = "test_email_shape"
    needs = ("email",)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        await asyncio.sleep(0.05)
        return [Finding(code="test.email", status=Status.PASS, title=f"E-mail {request.email} is well formed",
                        section=Section.VERIFICATION)]


class SlowRegistrySource(Source):
    """Answers later: a registry-style finding naming the company as given (escaping is tested on it)."""

    name = "test_registry"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        await asyncio.sleep(0.6)
        return [Finding(code="test.registry", status=Status.FLAG, severity=Severity.MEDIUM,
                        title=f"No registry record for {request.company}", detail="Searched <registry> & co.",
                        section=Section.PROFILE,
                        evidence=[Evidence(source="registry", url="https://example.org/search?q=a&b=<c>")])]


class ManyFindingsSource(Source):
    """A registry that says a lot (40 long findings) when asked about a company named "Verbose …":
    the card must still fit one Telegram message."""

    name = "test_verbose_registry"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        if not request.company.startswith("Verbose"):
            return []
        return [Finding(code="test.registry_line", status=Status.FLAG, severity=Severity.LOW, section=Section.PROFILE,
                        title=f"Registry line {i}: " + "director changed, address moved, filing late; " * 8,
                        detail="<b>not markup</b> & " * 40) for i in range(40)]


def test_engine(runtime: Runtime) -> Engine:
    """The runtime's offline engine plus the test sources."""
    base = runtime.engine(offline=True)
    return Engine([*base.sources, EmailShapeSource(), SlowRegistrySource(), ManyFindingsSource()],
                  base.analyzers, base.scorer)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = await FakeBotAPI().start()
    yield api
    await api.stop()


@pytest.fixture
def env(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotAPI) -> Any:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tradecheck.db'}")
    monkeypatch.setenv("TRADECHECK_OFFLINE", "1")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_API_URL", fake_api.url)
    monkeypatch.setenv("MANAGERS", f"telegram:{MANAGER}")
    monkeypatch.setenv("TRADECHECK_LANG", "en")
    monkeypatch.chdir(tmp_path)
    reload_settings()
    yield get_bot_settings()
    reload_settings()

    databases.reset()


PROCESSED: list[int] = []  # update ids whose handlers have all returned, in the order they did


@pytest.fixture(autouse=True)
def _record_processed_updates(monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotAPI) -> None:
    """`Application.process_update` returns once every handler of the update has (they block): the event
    that proves a handler finished, so a test can say "nothing was sent" without sleeping."""
    from telegram.ext import Application

    original = Application.process_update
    PROCESSED.clear()

    async def process_update(self: Application, update: object) -> None:  # type: ignore[type-arg]
        try:
            await original(self, update)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                PROCESSED.append(update_id)
                fake_api._changed.set()  # wake wait_for

    monkeypatch.setattr(Application, "process_update", process_update)


class Harness:
    """Posts updates to the webhook and reads what the bot sent to the fake API."""

    def __init__(self, api: FakeBotAPI, client: httpx.AsyncClient, runtime: Runtime, webhook: Any = None) -> None:
        self.api = api
        self.client = client
        self.runtime = runtime  # the one the webhook's handlers call (its database is the test's)
        self.webhook = webhook  # its Application starts (with the /check resumer) on the first update
        self.updates = Updates()

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.client.post("/telegram/webhook", json=update, headers=headers)

    async def command(self, chat_id: int, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        update = self.updates.message(chat_id, self.updates.user(user_id, f"User {user_id}"), text, **kwargs)
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return update

    async def check(self, chat_id: int, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """Run /check and wait for the finished card (the one with buttons); return it."""
        update = await self.command(chat_id, user_id, text, **kwargs)
        command_id = update["message"]["message_id"]
        # generous: the first check of a process builds the sanctions index (about 12 s here)
        card = await self.api.wait_for(lambda api: self.card_replying_to(chat_id, command_id), timeout=90)
        return card

    def card_replying_to(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        for call in self.api.of("sendMessage", chat_id):
            reply = (call.params.get("reply_parameters") or {}).get("message_id")
            if reply == message_id and call.response.get("ok"):
                message = self.api.messages[(chat_id, call.response["result"]["message_id"])]
                return message if message.get("reply_markup") else None
        return None

    async def press(self, card: dict[str, Any], user_id: int, data: str) -> dict[str, Any]:
        update = self.updates.press(card, self.updates.user(user_id, f"User {user_id}"), data)
        response = await self.post(update)
        assert response.status_code == 200
        return update

    async def reply_to_prompt(self, chat_id: int, user_id: int, mark: int, text: str) -> None:
        """Answer the bot's "reply with the reason" prompt sent after call `mark` (a ForceReply)."""
        prompt_call = await self.api.wait_for(lambda a: [
            c for c in a.calls[mark:] if c.method == "sendMessage" and c.params.get("chat_id") == chat_id
            and "force_reply" in (c.params.get("reply_markup") or {})])
        prompt = self.api.messages[(chat_id, prompt_call[0].response["result"]["message_id"])]
        await self.command(chat_id, user_id, text, reply_to=prompt)

    async def processed(self, update: dict[str, Any], times: int = 1) -> None:
        """Wait until the bot has finished handling `update` (`times` deliveries of it)."""
        await self.api.wait_for(lambda api: PROCESSED.count(update["update_id"]) >= times, timeout=60)

    def sent_after(self, index: int, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [c.params for c in self.api.calls[index:] if c.method == "sendMessage"
                and (chat_id is None or c.params.get("chat_id") == chat_id)]


@pytest.fixture
async def harness(env: Any, fake_api: FakeBotAPI, runtime_factory: MakeRuntime) -> AsyncIterator[Harness]:
    from bot.app.services import RuntimeServices
    from bot.telegram.server import TelegramWebhook

    runtime = runtime_factory()
    webhook = TelegramWebhook(env, RuntimeServices(runtime), engine=test_engine(runtime), edit_interval=0.2)
    app = Starlette(routes=webhook.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Harness(fake_api, client, runtime, webhook)
    await webhook.shutdown()
    assert BOT_ID  # the fake's bot id is the workspace of every actor


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """callback_data by the first letter of the action (a, x, r, c, s, n, d, m)."""
    out: dict[str, str] = {}
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            out.setdefault(button["callback_data"].split(":")[0], button["callback_data"])
    return out
