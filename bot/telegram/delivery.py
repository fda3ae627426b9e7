"""The Telegram `Deliverer`: re-check results and reminders, as a reply to the original card.

The scheduler's outbox calls `deliver`; failures are translated to `DeliveryFailed` so that it
can back off (429 gives `retry_after`) or stop for good (bot blocked, chat deleted: `permanent`,
and the conversation is already marked dead by the transport, through the `on_gone` it was given:
the runtime's `chat.mark_conversation_dead` when `register_deliverer` builds it).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import InvalidToken, RetryAfter, TelegramError

from ..app.types import Conversation
from ..card import Card
from ..delivery import DelivererRegistry, DeliveryFailed
from ..render.telegram import MESSAGE_LIMIT, clip, render, utf16_len
from ..settings import BotSettings
from .transport import PLATFORM, ChatGone, Gone, Sender, file_url, retry_after_seconds

if TYPE_CHECKING:
    from ..app.runtime import Runtime

TEXT_MAX = 1000


class TelegramDeliverer:
    platform = PLATFORM

    def __init__(self, bot: Bot, *, max_wait: float = 0.0, on_gone: Gone | None = None) -> None:
        """`max_wait` 0: a 429 goes back to the outbox (which retries later) instead of blocking.
        `on_gone(platform, chat)` marks a blocked or deleted chat's conversations dead (the transport's)."""
        self.bot = bot
        self.sender = Sender(bot, on_gone=on_gone)
        self.max_wait = max_wait
        self._ready = False

    @classmethod
    def from_settings(cls, settings: BotSettings, *, on_gone: Gone | None = None) -> TelegramDeliverer:
        if settings.telegram_bot_token is None:
            raise DeliveryFailed("TELEGRAM_BOT_TOKEN is not set", permanent=True)
        bot = Bot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_url,
            base_file_url=file_url(settings.telegram_api_url),
        )
        return cls(bot, on_gone=on_gone)

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> TelegramDeliverer:
        """Over the runtime's settings; a chat found gone is marked dead through the runtime's chat state."""
        return cls.from_settings(runtime.settings, on_gone=runtime.chat.mark_conversation_dead)

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        if not self._ready:
            try:
                await self.bot.initialize()  # getMe once; idempotent in PTB
            except InvalidToken:  # the text names the token: not passed on
                raise DeliveryFailed("telegram refused TELEGRAM_BOT_TOKEN (wrong or revoked)",
                                     misconfigured=True) from None
            self._ready = True
        body = f"<b>{html.escape(clip(text, TEXT_MAX))}</b>" if text else ""
        if card is not None:
            rendered = render(card, limit=MESSAGE_LIMIT - utf16_len(body) - 2)
            rendered.text = f"{body}\n\n{rendered.text}" if body else rendered.text
            message = rendered
        else:
            message = body or "…"
        try:
            sent = await self.sender.send(
                conversation.channel,
                message,
                reply_to=conversation.message,
                thread=conversation.thread,
                max_wait=self.max_wait,
            )
        except ChatGone as error:
            raise DeliveryFailed(error.reason, permanent=True) from error
        except RetryAfter as error:
            raise DeliveryFailed("telegram rate limit", retry_after=retry_after_seconds(error)) from error
        except InvalidToken:
            raise DeliveryFailed("telegram refused TELEGRAM_BOT_TOKEN (wrong or revoked)", misconfigured=True) from None
        except TelegramError as error:
            raise DeliveryFailed(f"telegram: {error}") from error
        return str(sent.message_id) if sent is not None else None

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()


def register_deliverer(registry: DelivererRegistry, settings: BotSettings) -> bool:
    """Telegram messages are sent by this process when TELEGRAM_BOT_TOKEN is set (an entry point calls this)."""
    if settings.telegram_bot_token is None or PLATFORM in registry:
        return False
    registry.register(TelegramDeliverer.from_settings(settings))
    return True
