"""The python-telegram-bot `Application`, configured from BotSettings, its handlers calling one runtime.

`base_url` is TELEGRAM_API_URL (PTB calls `base_url + token + "/" + method`, so the value ends in
`/bot`): a local Bot API server or a test server works the same way as Telegram's. Webhook mode
has no Updater (updates come from `/telegram/webhook`); polling mode has PTB's default one.
Updates are processed concurrently, so a long /check never holds a button press back.
PTB's job queue is not used (its extra pins an old APScheduler; the product has its own ticker).
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ApplicationBuilder

from checks.engine import Engine

from ..app.services import RuntimeServices
from ..settings import BotSettings
from .handlers import EDIT_INTERVAL, TelegramHandlers, install, parse_chat_ids
from .transport import file_url

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 32


class TelegramNotConfigured(RuntimeError):
    """TELEGRAM_BOT_TOKEN is not set."""


def build_application(
    settings: BotSettings,
    services: RuntimeServices,
    *,
    polling: bool = False,
    engine: Engine | None = None,
    edit_interval: float = EDIT_INTERVAL,
) -> Application:
    """The Application for `settings`, its handlers calling `services` (the entry point's runtime)."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise TelegramNotConfigured("TELEGRAM_BOT_TOKEN is not set")
    try:
        allowed_chats = parse_chat_ids(settings.telegram_allowed_chats)
    except ValueError as error:  # refuse to start rather than guess which chats were meant
        raise TelegramNotConfigured(str(error)) from None
    if allowed_chats is None:
        log.warning("TELEGRAM_ALLOWED_CHATS is not set: the Telegram bot answers every chat that messages it, "
                    "as a member of the team (set TELEGRAM_ALLOWED_CHATS to the team's chat ids)")
    builder: ApplicationBuilder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .concurrent_updates(CONCURRENT_UPDATES)
        .job_queue(None)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    install(application, TelegramHandlers(services, engine=engine, edit_interval=edit_interval,
                                          allowed_chats=allowed_chats))
    return application
