"""Telegram in `tradecheck serve`: the webhook route on the shared ASGI server, and polling mode.

Webhook (several processes may serve one bot): `POST /telegram/webhook` checks Telegram's
`X-Telegram-Bot-Api-Secret-Token` header against TELEGRAM_WEBHOOK_SECRET with a constant-time
compare (wrong or missing: 403 and nothing is processed), queues the update and answers 200 at
once, so Telegram never re-sends because a check is slow. A re-sent update is still processed
only once (`flows.first_delivery`, in the handlers). The shared server (bot/server.py) mounts
`telegram_routes(settings)` and enters `telegram_lifespan(settings)` (or calls
`telegram_startup` / `telegram_shutdown`).

Polling (`tradecheck serve --telegram-polling`): one process without a public URL; `run_polling`
blocks, or inside a running event loop returns the `poll` coroutine. Only one poller per token may
run (Telegram answers 409 Conflict to a second one, logged as such).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application

from checks.engine import Engine

from ..app.driver import FlowsServices
from ..httpbody import TooLarge, read_body
from ..settings import BotSettings
from .app import TelegramNotConfigured, build_application

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret
MAX_BODY = 1_000_000  # an update is a few KB; refuse anything absurd before parsing it


class TelegramWebhook:
    """One PTB Application behind the webhook route; started lazily or by the server's lifespan."""

    def __init__(self, settings: BotSettings, *, engine: Engine | None = None, services: FlowsServices | None = None,
                 **options: object) -> None:
        self.settings = settings
        self.engine = engine
        self.services = services or FlowsServices()  # the application layer the handlers call
        self.options = options
        self._app: Application | None = None
        self._lock = asyncio.Lock()
        self._started = False
        self._token_refused = False
        from .. import logs

        logs.protect_settings(settings)  # the token is in every Bot API URL and in PTB's error texts

    @property
    def secret(self) -> str | None:
        secret = self.settings.telegram_webhook_secret
        return secret.get_secret_value() if secret is not None and secret.get_secret_value() else None

    async def application(self) -> Application:
        """The running Application (built, initialized — getMe — and started on first use)."""
        async with self._lock:
            if self._app is None:
                self._app = build_application(self.settings, engine=self.engine, services=self.services, **self.options)  # type: ignore[arg-type]
            if not self._started:
                await asyncio.to_thread(self.services.ensure_database)  # the schema once, before updates arrive
                await self._app.initialize()
                await self._app.start()
                self._started = True
            return self._app

    async def startup(self) -> None:
        await self.application()

    async def shutdown(self) -> None:
        async with self._lock:
            if self._app is not None and self._started:
                await self._app.stop()
                await self._app.shutdown()
            self._started = False

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        try:
            await self.startup()
        except (TelegramNotConfigured, TelegramError) as error:
            log.warning("telegram webhook not started: %s", error)
        try:
            yield
        finally:
            await self.shutdown()

    def authorized(self, request: Request) -> bool:
        expected = self.secret
        given = request.headers.get(SECRET_HEADER, "")
        if expected is None:  # refuse unauthenticated webhooks rather than accept anybody's updates
            return False
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

    async def endpoint(self, request: Request) -> Response:
        if not self.authorized(request):
            if self.secret is None:
                log.warning("telegram webhook called but TELEGRAM_WEBHOOK_SECRET is not set: refused")
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            body = await read_body(request, MAX_BODY)
        except TooLarge:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        try:
            data = json.loads(body)
        except ValueError:
            return JSONResponse({"ok": False, "error": "bad json"}, status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        try:
            app = await self.application()
        except TelegramNotConfigured:
            return JSONResponse({"ok": False, "error": "telegram not configured"}, status_code=503)
        except InvalidToken:  # a wrong or revoked TELEGRAM_BOT_TOKEN: a configuration error, said once
            if not self._token_refused:
                self._token_refused = True
                log.error("Telegram refused TELEGRAM_BOT_TOKEN (wrong or revoked): updates are not handled "
                          "until it is fixed and the server restarted")
            return JSONResponse({"ok": False, "error": "telegram not configured"}, status_code=503)
        try:
            update = Update.de_json(data, app.bot)
        except (KeyError, TypeError, ValueError):
            log.warning("unparseable telegram update %s", data.get("update_id"))
            return JSONResponse({"ok": True})  # 200 so that Telegram does not re-send it forever
        await app.update_queue.put(update)
        return JSONResponse({"ok": True})

    def routes(self) -> list[Route]:
        return [Route(WEBHOOK_PATH, self.endpoint, methods=["POST"])]


_webhooks: dict[int, TelegramWebhook] = {}


def get_webhook(settings: BotSettings) -> TelegramWebhook:
    """The webhook object for these settings (one per settings object, shared by routes and lifespan)."""
    key = id(settings)
    if key not in _webhooks:
        _webhooks[key] = TelegramWebhook(settings)
    return _webhooks[key]


def telegram_routes(settings: BotSettings) -> list[Route]:
    """The webhook route, or none when TELEGRAM_BOT_TOKEN is not set (so /healthz says so)."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        log.info("TELEGRAM_BOT_TOKEN not set: %s not mounted", WEBHOOK_PATH)
        return []
    if get_webhook(settings).secret is None:
        log.warning("TELEGRAM_WEBHOOK_SECRET not set: %s will refuse every update", WEBHOOK_PATH)
    return get_webhook(settings).routes()


def telegram_lifespan(settings: BotSettings):  # type: ignore[no-untyped-def]
    """An async context manager for the ASGI server's lifespan: starts and stops the Application."""
    return get_webhook(settings).lifespan()


async def telegram_startup(settings: BotSettings) -> None:
    await get_webhook(settings).startup()


async def telegram_shutdown(settings: BotSettings) -> None:
    await get_webhook(settings).shutdown()


async def poll(settings: BotSettings, *, engine: Engine | None = None, stop: asyncio.Event | None = None,
               services: FlowsServices | None = None) -> int:
    """Long polling inside a running event loop, until `stop` is set or the task is cancelled."""
    services = services or FlowsServices()
    try:
        app = build_application(settings, polling=True, engine=engine, services=services)
    except TelegramNotConfigured as error:
        log.error("%s", error)
        return 2
    await asyncio.to_thread(services.ensure_database)  # the schema once, before updates arrive concurrently
    try:
        await app.initialize()
    except InvalidToken:
        log.error("TELEGRAM_BOT_TOKEN was refused by Telegram")
        return 2
    try:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=["message", "callback_query"], error_callback=_polling_error)
        log.info("telegram: polling as @%s", app.bot.username)
        await (stop or asyncio.Event()).wait()
    except asyncio.CancelledError:
        pass
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    return 0


def _polling_error(error: TelegramError) -> None:
    if isinstance(error, Conflict):
        log.error("another process is polling this bot (409 Conflict): only one poller per token; "
                  "use the webhook to serve one bot from several processes")
    else:
        log.warning("telegram polling: %s", error)


def run_polling(settings: BotSettings, *, engine: Engine | None = None):  # type: ignore[no-untyped-def]
    """`tradecheck serve --telegram-polling`: blocks until Ctrl-C and returns the exit code.

    Called from inside a running event loop (the shared server runs uvicorn beside it), it
    returns the `poll` coroutine instead, for the caller to schedule and cancel.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            return asyncio.run(poll(settings, engine=engine))
        except KeyboardInterrupt:
            return 0
    return poll(settings, engine=engine)
