"""`tradecheck telegram set-webhook`: what reaches the (fake) Bot API, and what is refused before it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.telegram import setup
from tests.runtimes import MakeRuntime

from .conftest import SECRET
from .fakeapi import FakeBotAPI


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


async def test_set_webhook_sends_the_secret_and_the_menu_in_both_languages(env: Any, fake_api: FakeBotAPI,
                                                                           runtime_factory: MakeRuntime) -> None:
    await setup.set_webhook(runtime_factory(), "https://bot.example.com/telegram/webhook")
    [hook] = fake_api.of("setWebhook")
    assert hook.params["url"] == "https://bot.example.com/telegram/webhook"
    assert hook.params["secret_token"] == SECRET
    assert _decoded(hook.params["allowed_updates"]) == ["message", "callback_query"]
    menus = {c.params.get("language_code"): _decoded(c.params["commands"]) for c in fake_api.of("setMyCommands")}
    assert [c["command"] for c in menus[None]] == ["check", "history", "lang", "help"]
    assert "背调" in menus["zh"][0]["description"] and "Check a buyer" in menus[None][0]["description"]


@pytest.mark.parametrize("url, why", [
    ("http://bot.example.com/telegram/webhook", "https://"),
    ("https://bot.example.com:3000/telegram/webhook", "ports"),
    ("bot.example.com/telegram/webhook", "https://"),
])
async def test_addresses_telegram_would_not_post_to_are_refused_here(env: Any, fake_api: FakeBotAPI, url: str, why: str,
                                                                    runtime_factory: MakeRuntime) -> None:
    with pytest.raises(setup.SetupError, match=why):
        await setup.set_webhook(runtime_factory(), url)
    assert fake_api.of("setWebhook") == []


async def test_a_webhook_without_its_secret_is_refused(env: Any, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch,
                                                       runtime_factory: MakeRuntime) -> None:
    runtime = runtime_factory()
    monkeypatch.setattr(runtime.settings, "telegram_webhook_secret", None)
    with pytest.raises(setup.SetupError, match="TELEGRAM_WEBHOOK_SECRET"):
        await setup.set_webhook(runtime, "https://bot.example.com/telegram/webhook")
    assert fake_api.of("setWebhook") == []


def test_the_command_without_a_token_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.settings import reload_settings

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    reload_settings()
    try:
        assert setup.telegram_main(["set-webhook", "https://bot.example.com/telegram/webhook"]) == 2
    finally:
        reload_settings()
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
