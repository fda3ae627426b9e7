"""Telegram inside `tradecheck serve`: the shared ASGI app, its lifespan, and polling mode."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bot.app.services import RuntimeServices
from bot.server import create_app
from bot.telegram.server import poll, run_polling, telegram_routes
from tests.runtimes import MakeRuntime

from .conftest import SALES, SECRET
from .fakeapi import FakeBotAPI, Updates


async def test_shared_server_mounts_the_webhook_and_runs_the_bot(env: Any, fake_api: FakeBotAPI,
                                                                 runtime_factory: MakeRuntime) -> None:
    app = create_app(env, mount_slack=False, services=RuntimeServices(runtime_factory()))
    updates = Updates()
    async with app.router.lifespan_context(app):  # what uvicorn does: starts the PTB Application
        assert fake_api.of("getMe")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            health = (await client.get("/healthz")).json()
            assert health["telegram"] is True
            update = updates.message(SALES, updates.user(SALES), "/help")
            forged = await client.post("/telegram/webhook", json=update)
            assert forged.status_code == 403
            sent = await client.post("/telegram/webhook", json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert sent.status_code == 200
            said = await fake_api.wait_for(lambda api: api.of("sendMessage", SALES))
            assert "/check" in said[0].params["text"]
            bad = await client.post("/telegram/webhook", content=b"{not json",
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert bad.status_code == 400


def test_no_token_no_route(env: Any, monkeypatch: pytest.MonkeyPatch, runtime_factory: MakeRuntime) -> None:
    from bot.settings import reload_settings

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    reload_settings()
    runtime = runtime_factory()
    services = RuntimeServices(runtime)
    assert telegram_routes(runtime.settings, services) == ([], None)
    assert run_polling(runtime.settings, services) == 2


async def test_polling_answers_updates_without_a_webhook(env: Any, fake_api: FakeBotAPI, runtime_factory: MakeRuntime) -> None:
    updates = Updates()
    fake_api.pending_updates.append(updates.message(SALES, updates.user(SALES, lang="zh"), "/help"))
    stop = asyncio.Event()
    task = asyncio.create_task(poll(env, RuntimeServices(runtime_factory()), stop=stop))
    said = await fake_api.wait_for(lambda api: api.of("sendMessage", SALES), timeout=20)
    assert "背调" in said[0].params["text"]  # the user's Telegram language is Chinese
    assert fake_api.of("deleteWebhook")  # polling and a webhook cannot both be active
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0
    assert len(fake_api.of("sendMessage")) == 1  # the confirmed update was not fetched again
