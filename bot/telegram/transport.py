"""Calls to the Bot API with Telegram's failure modes handled in one place.

- 429 (`RetryAfter`): wait the time Telegram asks for, a bounded number of times, if it is short
  enough for the caller (`max_wait`); otherwise raise so that the caller can drop or reschedule.
- 403 (`Forbidden`: bot blocked, kicked, user deactivated) and "chat not found": the chat is gone.
  Its conversations are marked dead through the `on_gone` callback whoever builds the `Sender` passes
  (the runtime's `chat.mark_conversation_dead`) and `ChatGone` is raised: never retried.
- "message is not modified": an edit with the same content is a success.
- A group upgraded to a supergroup (`ChatMigrated`): retried once in the new chat.
- Network errors and timeouts: retried a bounded number of times with a short backoff.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from ..render.telegram import TelegramMessage

log = logging.getLogger(__name__)

T = TypeVar("T")
PLATFORM = "telegram"
ATTEMPTS = 3
NETWORK_BACKOFF = 1.0
DEFAULT_MAX_WAIT = 30.0
_GONE_MARKERS = ("chat not found", "bot was kicked", "group chat was deactivated", "bot was blocked",
                 "user is deactivated", "have no rights to send", "not enough rights to send", "chat_write_forbidden",
                 "peer_id_invalid")


class ChatGone(Exception):
    """The bot can no longer write to this chat (blocked, removed, chat deleted)."""

    def __init__(self, chat_id: str, reason: str) -> None:
        super().__init__(f"chat {chat_id}: {reason}")
        self.chat_id = chat_id
        self.reason = reason


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked to wait (PTB 22 gives an int or a timedelta, with a deprecation)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_gone(error: Exception) -> bool:
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and any(m in error.message.lower() for m in _GONE_MARKERS)


def is_not_modified(error: Exception) -> bool:
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


Gone = Callable[[str, str], Awaitable[None]]  # (platform, chat id): mark its conversations dead


async def mark_dead(chat_id: str, reason: str, on_gone: Gone | None) -> None:
    """Tell `on_gone` (None: the caller keeps no chat state, e.g. a test's bare deliverer: only logged)."""
    if on_gone is None:
        log.warning("telegram chat %s is gone (%s)", chat_id, reason)
        return
    log.warning("telegram chat %s is gone (%s): marking its conversations dead", chat_id, reason)
    try:
        await on_gone(PLATFORM, chat_id)
    except Exception:  # storage trouble must not hide the original failure
        log.exception("could not mark telegram chat %s dead", chat_id)


async def call(
    chat_id: int | str,
    request: Callable[[int | str], Awaitable[T]],
    *,
    max_wait: float = DEFAULT_MAX_WAIT,
    attempts: int = ATTEMPTS,
    on_gone: Gone | None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T | None:
    """Run `request(chat_id)` with the policy above; None when an edit changed nothing. `on_gone(platform,
    chat)` marks a chat found gone dead before `ChatGone` is raised."""
    migrated = False
    for attempt in range(1, attempts + 1):
        try:
            return await request(chat_id)
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            if wait > max_wait or attempt == attempts:
                raise
            log.info("telegram asked to wait %.1f s (attempt %d)", wait, attempt)
            await sleep(wait)
        except ChatMigrated as error:
            if migrated:
                raise
            migrated = True
            log.info("telegram chat %s migrated to %s", chat_id, error.new_chat_id)
            chat_id = error.new_chat_id
        except (Forbidden, BadRequest) as error:
            if is_not_modified(error):
                return None
            if is_gone(error):
                await mark_dead(str(chat_id), error.message, on_gone)
                raise ChatGone(str(chat_id), error.message) from error
            raise
        except (TimedOut, NetworkError) as error:
            if attempt == attempts:
                raise
            log.info("telegram network error %s (attempt %d)", error, attempt)
            await sleep(NETWORK_BACKOFF * attempt)
    return None  # not reached: the last attempt returns or raises


class Sender:
    """sendMessage / editMessageText for rendered cards and plain HTML, through `call`."""

    def __init__(self, bot: Bot, *, on_gone: Gone | None) -> None:
        """`on_gone(platform, chat)` marks a gone chat's conversations dead: the builder's runtime's
        `chat.mark_conversation_dead` (the handlers', the deliverer's). Required, so that a builder
        says so when it keeps no chat state (None); it is never looked up."""
        self.bot = bot
        self.on_gone = on_gone

    async def send(
        self,
        chat_id: int | str,
        message: TelegramMessage | str,
        *,
        reply_to: int | str | None = None,
        thread: int | str | None = None,
        reply_markup: Any = None,
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> Message | None:
        if isinstance(message, str):
            message = TelegramMessage(text=message, reply_markup=reply_markup)
        reply = (
            ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True) if reply_to is not None else None
        )

        async def request(chat: int | str) -> Message:
            return await self.bot.send_message(
                chat_id=chat,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.reply_markup,
                reply_parameters=reply,
                message_thread_id=int(thread) if thread is not None else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )

        return await call(chat_id, request, max_wait=max_wait, on_gone=self.on_gone)

    async def edit(
        self,
        chat_id: int | str,
        message_id: int | str,
        message: TelegramMessage,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        attempts: int = ATTEMPTS,
    ) -> Any:
        async def request(chat: int | str) -> Any:
            return await self.bot.edit_message_text(
                chat_id=chat,
                message_id=int(message_id),
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.reply_markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )

        return await call(chat_id, request, max_wait=max_wait, attempts=attempts, on_gone=self.on_gone)

    async def send_document(
        self,
        chat_id: int | str,
        content: bytes,
        filename: str,
        *,
        caption: str = "",
        reply_to: int | str | None = None,
        thread: int | str | None = None,
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> Message | None:
        """sendDocument (the evidence pack), as a reply to the card; the caption is plain text."""
        from telegram import InputFile

        reply = (
            ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True) if reply_to is not None else None
        )

        async def request(chat: int | str) -> Message:
            return await self.bot.send_document(
                chat_id=chat,
                document=InputFile(content, filename=filename),
                caption=caption[:1024] or None,
                reply_parameters=reply,
                message_thread_id=int(thread) if thread is not None else None,
            )

        return await call(chat_id, request, max_wait=max_wait, on_gone=self.on_gone)


def file_url(api_url: str) -> str:
    """PTB's base_file_url beside TELEGRAM_API_URL: `…/bot` → `…/file/bot`."""
    return api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url
