"""Telegram's failure modes: 429 retry_after, blocked bot / deleted chat, edit coalescing, delivery."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise
from typing import Any

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.app import Runtime
from bot.app.types import Conversation
from bot.delivery import Deliverer, DeliveryFailed
from bot.progress import Coalescer
from bot.render.telegram import TelegramMessage
from bot.telegram.delivery import TelegramDeliverer
from bot.telegram.port import CardEdits
from bot.telegram.transport import ChatGone, Sender
from tests.runtimes import MakeRuntime

from .conftest import GROUP, SALES, Harness
from .fakeapi import TOKEN, FakeBotAPI


@pytest.fixture
async def bot(env: Any, fake_api: FakeBotAPI) -> Any:
    async with Bot(TOKEN, base_url=fake_api.url) as bot:
        yield bot


@pytest.fixture
def gone() -> list[tuple[str, str]]:
    """The chats a `Sender` reported gone, through the `on_gone` it was given (a runtime's in the product)."""
    return []


@pytest.fixture
def sender(bot: Bot, gone: list[tuple[str, str]]) -> Sender:
    async def on_gone(platform: str, chat: str) -> None:
        gone.append((platform, chat))

    return Sender(bot, on_gone=on_gone)


def live_links(runtime: Runtime, case_id: int, include_dead: bool = False) -> list[Any]:
    from storage import chatstate

    with runtime.ensure_database().session() as session:
        return chatstate.links(session, case_id, include_dead=include_dead)


async def test_429_retry_after_is_honoured(harness: Harness) -> None:
    api = harness.api
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme.ae")
    first, second = api.of("sendMessage", SALES)[:2]
    assert first.response["error_code"] == 429 and second.response["ok"]
    assert second.at - first.at >= 1.0  # waited what Telegram asked, then sent the card


async def test_final_card_waits_out_429_while_progress_edits_give_way(sender: Sender, fake_api: FakeBotAPI) -> None:
    posted = await sender.send(SALES, "⏳ checking")
    edits = CardEdits(sender, posted.chat_id, posted.message_id)
    editor = Coalescer(edits.progress, interval=0.1)  # as the driver runs the port's progress edits
    fake_api.fail("editMessageText", 429, "Too Many Requests: retry after 1", retry_after=1)
    await editor.push(TelegramMessage("progress 1"))
    await fake_api.wait_for(lambda a: a.of("editMessageText"))
    await editor.push(TelegramMessage("progress 2"))  # within retry_after: skipped, not sent
    assert editor._timer is not None
    await editor._timer  # the scheduled flush has run (and given way): no guessing how long to wait
    assert len(fake_api.of("editMessageText")) == 1
    fake_api.fail("editMessageText", 429, "Too Many Requests: retry after 1", retry_after=1)
    await editor.close()
    await edits.final(TelegramMessage("<b>final</b>"))
    edits = fake_api.of("editMessageText")
    assert [e.response["ok"] for e in edits] == [False, False, True]
    assert edits[-1].params["text"] == "<b>final</b>" and edits[-1].at - edits[-2].at >= 1.0


async def test_edits_are_coalesced_and_the_final_one_always_sent(sender: Sender, fake_api: FakeBotAPI) -> None:
    posted = await sender.send(SALES, "⏳ checking")
    edits = CardEdits(sender, posted.chat_id, posted.message_id)
    editor = Coalescer(edits.progress, interval=0.5)
    started = time.monotonic()
    for n in range(30):  # thirty sources finishing within ~0.6 s
        await editor.push(TelegramMessage(f"progress {n}"))
        await asyncio.sleep(0.02)
    await editor.close()
    await edits.final(TelegramMessage("final"))
    edits = fake_api.of("editMessageText")
    assert edits[-1].params["text"] == "final"
    progress = edits[:-1]
    assert 1 <= len(progress) <= 1 + (time.monotonic() - started) / 0.5
    assert all(b.at - a.at >= 0.45 for a, b in pairwise(progress))
    assert "progress 29" not in [e.params["text"] for e in progress[:1]]


async def test_blocked_bot_is_not_retried_and_raises_chat_gone(sender: Sender, fake_api: FakeBotAPI,
                                                                gone: list[tuple[str, str]]) -> None:
    fake_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=5)
    with pytest.raises(ChatGone):
        await sender.send(SALES, "hello")
    assert len(fake_api.of("sendMessage")) == 1
    assert gone == [("telegram", str(SALES))]  # the builder's callback was told, once


async def test_blocked_bot_marks_the_link_dead_and_delivery_stops(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(GROUP, SALES, "/check Northwind Imports Ltd email=buyer@northwind-imports.co.uk")
    case_id = int(card["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])
    links = live_links(harness.runtime, case_id)
    assert [(link.channel, link.message) for link in links] == [(str(GROUP), str(card["message_id"]))]

    deliverer = TelegramDeliverer.for_runtime(harness.runtime)  # as register_deliverer builds it
    assert isinstance(deliverer, Deliverer)
    conversation = Conversation("telegram", links[0].workspace, links[0].channel, links[0].thread, links[0].message)
    # a re-check result arrives as a reply to the original card
    message_id = await deliverer.deliver(conversation, "Re-check of case done: no change", None)
    sent = api.of("sendMessage", GROUP)[-1].params
    assert message_id and sent["reply_parameters"]["message_id"] == card["message_id"]

    api.fail("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", times=3)
    with pytest.raises(DeliveryFailed) as failed:
        await deliverer.deliver(conversation, "Reminder: re-check due", None)
    assert failed.value.permanent
    assert live_links(harness.runtime, case_id) == []
    assert len(live_links(harness.runtime, case_id, include_dead=True)) == 1
    await deliverer.close()


async def test_delivery_reports_429_for_the_outbox_to_retry(env: Any, fake_api: FakeBotAPI, runtime_factory: MakeRuntime) -> None:
    deliverer = TelegramDeliverer.for_runtime(runtime_factory())
    fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    conversation = Conversation("telegram", "1", str(SALES), None, None)
    with pytest.raises(DeliveryFailed) as failed:
        await deliverer.deliver(conversation, "Reminder", None)
    assert failed.value.retry_after == 7 and not failed.value.permanent
    assert len(fake_api.of("sendMessage")) == 1  # handed back at once, not slept on
    await deliverer.close()


async def test_chat_not_found_is_permanent(env: Any, fake_api: FakeBotAPI, runtime_factory: MakeRuntime) -> None:
    deliverer = TelegramDeliverer.for_runtime(runtime_factory())
    fake_api.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(DeliveryFailed) as failed:
        await deliverer.deliver(Conversation("telegram", "1", "-100999", None, "5"), "Reminder", None)
    assert failed.value.permanent
    await deliverer.close()


async def test_edit_with_the_same_content_is_not_an_error(sender: Sender, fake_api: FakeBotAPI) -> None:
    posted = await sender.send(SALES, "<b>card</b>")
    assert await sender.edit(SALES, posted.message_id, TelegramMessage("<b>card</b>")) is None
    assert fake_api.of("editMessageText")[0].response["error_code"] == 400


async def test_long_retry_after_is_not_slept_on_for_progress(sender: Sender, fake_api: FakeBotAPI) -> None:
    fake_api.fail("editMessageText", 429, "Too Many Requests: retry after 40", retry_after=40)
    posted = await sender.send(SALES, "x")
    with pytest.raises(RetryAfter):
        await sender.edit(SALES, posted.message_id, TelegramMessage("y"), max_wait=0, attempts=1)
