"""The Feishu `Deliverer`: re-check results and reminders posted as a reply to the case's card.

Called by the outbox (bot/delivery.py), which retries with backoff. A rate limit is not slept on
here: it goes back to the outbox with the wait Feishu asked for. The bot removed from the chat or
the message gone is permanent (the conversation is marked dead); credentials refused means this
process cannot send to Feishu at all (misconfigured).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from ..app.types import Conversation
from ..card import Card
from ..delivery import DelivererRegistry, DeliveryFailed
from ..render.feishu import SAFE_LIMIT, md, render_card, render_text, size_of
from .api import FeishuApi, FeishuError
from .settings import FeishuSettings

if TYPE_CHECKING:
    from ..app.runtime import Runtime


class FeishuDeliverer:
    platform = "feishu"

    def __init__(self, api: FeishuApi) -> None:
        self.api = api

    @classmethod
    def from_settings(cls, settings: FeishuSettings) -> FeishuDeliverer:
        if not settings.can_send:
            raise DeliveryFailed("FEISHU_APP_ID and FEISHU_APP_SECRET are not set", permanent=True)
        return cls(FeishuApi(settings, max_wait=0.0))

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        """Reply to the card's message when there is one, else post in the chat."""
        payload = message(text, card)
        reply_to = conversation.message or conversation.thread
        try:
            return await self.api.send_card(conversation.channel, payload, reply_to=reply_to)
        except FeishuError as error:
            if error.retry_after is not None:
                raise DeliveryFailed(str(error), retry_after=error.retry_after) from error
            raise DeliveryFailed(str(error), permanent=error.gone or error.misconfigured,
                                 misconfigured=error.misconfigured) from error
        except (OSError, httpx.HTTPError) as error:
            raise DeliveryFailed(f"feishu: {type(error).__name__}") from error


def message(text: str, card: Card | None) -> dict[str, Any]:
    """The text alone as a card, or the text as a line above the card."""
    if card is None:
        return render_text(text)
    line = {"tag": "markdown", "content": f"**{md(text, 1000)}**"} if text else None
    payload = render_card(card, limit=SAFE_LIMIT - (size_of(line) + 1 if line else 0))
    if line:
        payload["body"]["elements"].insert(0, line)
    return payload


def register_deliverer(registry: DelivererRegistry, runtime: Runtime) -> bool:
    """Feishu messages are sent by this process when FEISHU_APP_ID and FEISHU_APP_SECRET are set. Feishu
    keeps its own settings class (FEISHU_*, environment and `.env`), not in `runtime.settings`; a
    message refused for good marks the conversation dead in the outbox sender, not here."""
    feishu = FeishuSettings()
    if not feishu.can_send or FeishuDeliverer.platform in registry:
        return False
    registry.register(FeishuDeliverer.from_settings(feishu))
    return True
