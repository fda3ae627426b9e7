"""TELEGRAM_ALLOWED_CHATS: only the team's chats are served; any other chat is refused before anything runs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlmodel import select

from bot.settings import BotSettings, get_bot_settings, reload_settings
from tests.runtimes import MakeRuntime

from .conftest import GROUP, MANAGER, OTHER, SALES, Harness, buttons
from .fakeapi import BOT_USERNAME, TOKEN

OUTSIDE_GROUP = -1009876543210


@pytest.fixture
def env(env: BotSettings, monkeypatch: pytest.MonkeyPatch) -> BotSettings:
    """The conftest environment with the team's group and SALES's private chat on the allow-list."""
    monkeypatch.setenv("TELEGRAM_ALLOWED_CHATS", f" {GROUP}, {SALES} ")
    reload_settings()
    return get_bot_settings()


def stored_cases(harness: Harness) -> list[Any]:
    from storage.models import Case

    with harness.runtime.ensure_database().session() as session:
        return list(session.exec(select(Case)).all())


def said(harness: Harness, mark: int) -> list[str]:
    return [params["text"] for params in harness.sent_after(mark)]


async def test_an_unlisted_private_chat_is_refused_with_its_chat_id_and_nothing_stored(harness: Harness) -> None:
    update = await harness.command(OTHER, OTHER, "/check ACME Trading LLC email=j@acme-trading.ae")
    refusal = await harness.api.wait_for(lambda api: api.of("sendMessage", OTHER))
    await harness.processed(update)  # every handler of the update has returned
    assert len(harness.api.of("sendMessage")) == 1  # one refusal, no placeholder, no card
    text = refusal[0].params["text"]
    assert "serves a specific team" in text and f"<code>{OTHER}</code>" in text
    assert refusal[0].params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert not harness.api.of("editMessageText")
    assert stored_cases(harness) == []
    # /history of the team's cases is refused the same way, whatever it asks
    mark = len(harness.api.calls)
    await harness.command(OTHER, OTHER, "/history ACME")
    history = await harness.api.wait_for(lambda api: said(harness, mark))
    assert len(history) == 1 and "serves a specific team" in history[0]


async def test_an_unlisted_group_is_refused_in_the_users_language(harness: Harness) -> None:
    update = harness.updates.message(OUTSIDE_GROUP, harness.updates.user(OTHER, "王伟", lang="zh-hans"), "/help")
    assert (await harness.post(update)).status_code == 200
    refusal = await harness.api.wait_for(lambda api: api.of("sendMessage", OUTSIDE_GROUP))
    assert "仅为特定团队服务" in refusal[0].params["text"]
    assert f"<code>{OUTSIDE_GROUP}</code>" in refusal[0].params["text"]
    # a command addressed to another bot in that group is not answered at all
    mark = len(harness.api.calls)
    await harness.processed(await harness.command(OUTSIDE_GROUP, OTHER, "/check@some_other_bot ACME"))
    assert not said(harness, mark)
    await harness.command(OUTSIDE_GROUP, OTHER, f"/check@{BOT_USERNAME} ACME")
    assert "serves a specific team" in (await harness.api.wait_for(lambda api: said(harness, mark)))[0]
    assert stored_cases(harness) == []


async def test_a_button_pressed_in_an_unlisted_chat_is_answered_with_an_alert_and_does_nothing(
    harness: Harness,
) -> None:
    card = await harness.check(GROUP, SALES, "/check Northwind Imports Ltd email=buyer@northwind-imports.co.uk")
    case_id = int(buttons(card)["c"].split(":")[1])
    status = [case.status for case in stored_cases(harness)]
    # the same card as seen from another chat (a forwarded or copied keyboard): every button is refused
    foreign = {**card, "chat": harness.updates.chat(OTHER)}
    for data in (f"r:{case_id}", buttons(card)["d"], buttons(card)["n"]):
        mark = len(harness.api.calls)
        press = await harness.press(foreign, MANAGER, data)
        answer = await harness.api.wait_for(
            lambda api, mark=mark: [c for c in api.calls[mark:] if c.method == "answerCallbackQuery"])
        assert answer[0].params["show_alert"] is True
        assert "serves a specific team" in answer[0].params["text"] and str(OTHER) in answer[0].params["text"]
        await harness.processed(press)
        assert [c.method for c in harness.api.calls[mark:]] == ["answerCallbackQuery"]
    assert [case.status for case in stored_cases(harness)] == status  # no approval was requested


async def test_a_listed_chat_works_as_before(harness: Harness) -> None:
    card = await harness.check(GROUP, SALES, "/check Northwind Imports Ltd email=buyer@northwind-imports.co.uk")
    assert "Northwind Imports Ltd" in card["text"]
    case_id = int(buttons(card)["c"].split(":")[1])
    mark = len(harness.api.calls)
    await harness.press(card, SALES, f"r:{case_id}")
    await harness.reply_to_prompt(GROUP, SALES, mark, "first order")
    await harness.api.wait_for(lambda api: [t for t in said(harness, mark) if "asks a manager" in t.lower()])
    assert [case.status for case in stored_cases(harness)] == ["pending_approval"]
    assert not [t for t in said(harness, mark) if "specific team" in t]
    # SALES's private chat is listed too
    private = await harness.check(SALES, SALES, "/check Kestrel Industrial Supplies Ltd email=p@kestrel-ind.com")
    assert "Kestrel" in private["text"]


def test_unset_list_warns_once_at_build_and_never_logs_the_token(
    env: BotSettings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, runtime_factory: MakeRuntime
) -> None:
    from bot.app.services import RuntimeServices
    from bot.telegram.app import build_application

    services = RuntimeServices(runtime_factory())
    monkeypatch.setattr(env, "telegram_allowed_chats", "")
    with caplog.at_level(logging.DEBUG):
        build_application(env, services)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "TELEGRAM_ALLOWED_CHATS" in warnings[0].getMessage()
    # ours never name the token (PTB's own DEBUG lines carry it in URLs: bot.logs redacts those)
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert ours and TOKEN.split(":")[1] not in ours

    caplog.clear()
    monkeypatch.setattr(env, "telegram_allowed_chats", f"{GROUP}")
    with caplog.at_level(logging.WARNING):
        build_application(env, services)
    assert not [r for r in caplog.records if "TELEGRAM_ALLOWED_CHATS" in r.getMessage()]


def test_a_malformed_list_stops_the_bot_from_starting(env: BotSettings, monkeypatch: pytest.MonkeyPatch,
                                                     runtime_factory: MakeRuntime) -> None:
    from bot.app.services import RuntimeServices
    from bot.telegram.app import TelegramNotConfigured, build_application
    from bot.telegram.handlers import parse_chat_ids

    assert parse_chat_ids("") is None and parse_chat_ids(" , ") is None
    assert parse_chat_ids("-1001234567890,123456789") == frozenset({-1001234567890, 123456789})
    monkeypatch.setattr(env, "telegram_allowed_chats", "-1001234567890,@exportteam")
    with pytest.raises(TelegramNotConfigured, match="@exportteam"):
        build_application(env, RuntimeServices(runtime_factory()))
