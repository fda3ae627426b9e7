"""The Slack `Deliverer`: re-check results and reminders posted in the case's thread.

Called by the scheduler's outbox (bot/delivery.py), which retries with backoff. Slack's errors
are sorted into "retrying can't help" (channel gone, bot removed, token revoked: the outbox marks
the conversation dead) and "try again later" (rate limits carry their Retry-After).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ..app.types import Conversation
from ..card import Card
from ..delivery import DelivererRegistry, DeliveryFailed
from ..render.slack import MAX_MESSAGE_BLOCKS, MAX_TEXT, mrkdwn, render_message, shorten
from ..settings import BotSettings
from .client import make_client

if TYPE_CHECKING:
    from ..app.runtime import Runtime

PERMANENT_ERRORS = {
    "channel_not_found", "is_archived", "not_in_channel", "account_inactive", "invalid_auth", "token_revoked",
    "not_authed", "team_access_not_granted", "restricted_action", "user_not_found", "cannot_dm_bot",
    "missing_scope", "ekm_access_denied", "team_not_found",
}


class SlackDeliverer:
    platform = "slack"

    def __init__(self, client: AsyncWebClient | None = None, settings: BotSettings | None = None) -> None:
        """A client, or the settings to make one with. A 429 is not slept on here: it goes back to the
        outbox with its Retry-After."""
        if client is None:
            if settings is None:
                raise TypeError("SlackDeliverer needs a client or the settings to make one")
            client = make_client(settings, wait_on_rate_limit=False)
        self._client = client

    @classmethod
    def from_settings(cls, settings: BotSettings) -> SlackDeliverer:
        if settings.slack_bot_token is None:
            raise DeliveryFailed("SLACK_BOT_TOKEN is not set", permanent=True)
        return cls(settings=settings)

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        """Post in the card's thread (the thread of the original card, or the card itself)."""
        thread = conversation.thread or conversation.message
        kwargs = _message(text, card)
        try:
            response = await self._client.chat_postMessage(
                channel=conversation.channel, thread_ts=thread, unfurl_links=False, **kwargs
            )
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if error.response.status_code == 429 or code == "ratelimited":
                retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
                raise DeliveryFailed(f"slack: {code or 'rate limited'}", retry_after=_seconds(retry_after)) from error
            raise DeliveryFailed(f"slack: {code}", permanent=code in PERMANENT_ERRORS) from error
        except (OSError, TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryFailed(f"slack: {type(error).__name__}") from error
        return str(response.get("ts")) if response.get("ts") else None


def _message(text: str, card: Card | None) -> dict[str, Any]:
    """The text alone, or the text as a line above the card (if the card leaves a block free)."""
    if card is None:
        return {"text": mrkdwn(text)[:MAX_TEXT]}
    message = render_message(card)
    if text:
        message["text"] = shorten(mrkdwn(text) + " — " + message["text"], MAX_TEXT)
        if len(message["blocks"]) < MAX_MESSAGE_BLOCKS:
            line = {"type": "section", "text": {"type": "mrkdwn", "text": shorten(mrkdwn(text), MAX_TEXT)}}
            message["blocks"] = [line, *message["blocks"]]
    return message


def _seconds(value: object) -> float | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def register_deliverer(registry: DelivererRegistry, runtime: Runtime) -> bool:
    """Slack messages are sent by this process when the runtime's SLACK_BOT_TOKEN is set (an entry point
    calls this, through `bot.platforms`)."""
    settings = runtime.settings
    if settings.slack_bot_token is None or SlackDeliverer.platform in registry:
        return False
    registry.register(SlackDeliverer(settings=settings))
    return True
