"""The Feishu deliverer (monitor/outbox messages) and the long connection's hand-over to the server loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.app.types import Conversation
from bot.card import CaseInfo, build_card
from bot.delivery import DeliveryFailed
from bot.feishu.deliver import FeishuDeliverer
from bot.feishu.server import LongConnection
from bot.feishu.settings import FeishuSettings
from checks.models import Report, Subject

from .conftest import SALES, Harness, buttons, text_of
from .fake_feishu import card_action, message_event


def _card() -> Any:
    report = Report(subject=Subject(name="ACME Trading LLC", country="AE"), lang="en")
    return build_card(report, CaseInfo(id=5))


async def test_deliverer_replies_to_the_card_with_the_text_above_it(env: Any, fake: Any) -> None:
    deliverer = FeishuDeliverer.from_settings(FeishuSettings())
    where = Conversation("feishu", "tenant_1", "oc_group", thread="om_in_1", message="om_card")
    fake.cards["om_card"] = {}
    message_id = await deliverer.deliver(where, "Re-check of #5: the level went up", _card())
    assert message_id and message_id.startswith("om_")
    call = fake.of("reply")[-1]
    assert call.path == "/open-apis/im/v1/messages/om_card/reply"
    card = json.loads(call.body["content"])
    assert "Re-check of #5" in text_of(card) and "ACME Trading LLC" in text_of(card)
    await deliverer.deliver(where, "Reminder: case #5 waits for a decision")
    assert "Reminder" in text_of(json.loads(fake.of("reply")[-1].body["content"]))


async def test_deliverer_hands_rate_limits_back_to_the_outbox(env: Any, fake: Any) -> None:
    deliverer = FeishuDeliverer.from_settings(FeishuSettings())
    fake.limited["reply"] = 1
    where = Conversation("feishu", "tenant_1", "oc_group", message="om_card")
    with pytest.raises(DeliveryFailed) as failed:
        await deliverer.deliver(where, "Reminder")
    assert failed.value.retry_after == 7 and not failed.value.permanent
    assert await deliverer.deliver(where, "Reminder")  # the next attempt goes through


async def test_deliverer_says_permanent_when_the_bot_is_gone(env: Any, fake: Any, monkeypatch: Any) -> None:
    from bot.feishu.api import FeishuApi, FeishuError

    async def gone(*args: Any, **kwargs: Any) -> str:
        raise FeishuError(230002, "bot is not in the chat")

    monkeypatch.setattr(FeishuApi, "send_card", gone)
    with pytest.raises(DeliveryFailed) as failed:
        await FeishuDeliverer.from_settings(FeishuSettings()).deliver(Conversation("feishu", "t", "oc_x"), "hi")
    assert failed.value.permanent and not failed.value.misconfigured


async def test_long_connection_hands_events_to_the_server_loop(harness: Harness) -> None:
    """The SDK calls back on its own thread: a message starts a check on the server's loop, and a
    card callback's answer is waited for and returned to the SDK."""
    connection = LongConnection(harness.bot.settings, harness.bot, asyncio.get_running_loop())
    results: list[Any] = []

    def sdk_thread(payload: dict[str, Any]) -> None:
        results.append(connection.on_payload(json.dumps(payload).encode()))

    await asyncio.to_thread(sdk_thread, message_event("/check ACME Trading LLC", user=SALES))
    await asyncio.wrap_future(connection.handed_over[-1])  # handed over, not waited for by the SDK's thread
    await harness.bot.drain()
    card_id = harness.fake.of("reply")[0].message_id or ""
    card = harness.fake.cards[card_id]
    assert results == [None] and buttons(card)

    press = card_action(buttons(card)["details"], user=SALES, message_id=card_id)
    await asyncio.to_thread(sdk_thread, press)
    await harness.bot.drain()
    assert results[1]["toast"]["type"] in ("info", "success")
    assert len(harness.fake.of("reply")) >= 2  # the details went out as a reply
