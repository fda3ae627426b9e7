"""Telegram in `tradecheck serve`: the webhook route on the shared ASGI server, and polling mode.

Both are given the entry point's runtime (as `RuntimeServices`); nothing here is kept per process.

Webhook (several processes may serve one bot): `POST /telegram/webhook` checks Telegram's
`X-Telegram-Bot-Api-Secret-Token` header against TELEGRAM_WEBHOOK_SECRET with a constant-time
compare (wrong or missing: 403 and nothing is processed), queues the update and answers 200 at
once, so Telegram never re-sends because a check is slow. A re-sent update is still processed
only once (`runtime.chat.first_delivery`, in the handlers). The shared server (bot/server.py) mounts
the routes and enters the lifespan hook that `telegram_routes(settings, services)` returns.

Polling (`tradecheck serve --telegram-polling`): one process without a public URL; `run_polling`
blocks, or inside a running event loop returns the `poll` coroutine. Only one poller per token may
run (Telegram answers 409 Conflict to a second one, logged as such).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application

from checks.engine import Engine

from ..app.services import RuntimeServices
from ..httpbody import TooLarge, read_body
from ..settings import BotSettings
from .app import TelegramNotConfigured, build_application
from .handlers import start_resumer

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret
MAX_BODY = 1_000_000  # an update is a few KB; refuse anything absurd before parsing it


Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]


def webhook_secret(settings: BotSettings) -> str | None:
    """TELEGRAM_WEBHOOK_SECRET, None when unset or empty (then the webhook refuses every update)."""
    secret = settings.telegram_webhook_secret
    return secret.get_secret_value() if secret is not None and secret.get_secret_value() else None


class TelegramWebhook:
    """One PTB Application behind the webhook route; started lazily or by the server's lifespan.
    `services`: the application layer its handlers call (the entry point's runtime)."""

    def __init__(self, settings: BotSettings, services: RuntimeServices, *, engine: Engine | None = None,
                 **options: object) -> None:
        self.settings = settings
        self.engine = engine
        self.services = services
        self.options = options
        self._app: Application | None = None
        self._lock = asyncio.Lock()
        self._started = False
        self._token_refused = False
        self._resumer: asyncio.Task[None] | None = None  # finishes the /check jobs of processes that died
        from .. import logs

        logs.protect_settings(settings)  # the token is in every Bot API URL and in PTB's error texts

    @property
    def secret(self) -> str | None:
        return webhook_secret(self.settings)

    async def application(self) -> Application:
        """The running Application (built, initialized — getMe — and started on first use)."""
        async with self._lock:
            if self._app is None:
                self._app = build_application(self.settings, self.services, engine=self.engine, **self.options)  # type: ignore[arg-type]
            if not self._started:
                await asyncio.to_thread(self.services.ensure_database)  # the schema once, before updates arrive
                await self._app.initialize()
                await self._app.start()
                self._started = True
                self._resumer = start_resumer(self._app)
            return self._app

    async def startup(self) -> None:
        await self.application()

    async def shutdown(self) -> None:
        async with self._lock:
            if self._resumer is not None:
                self._resumer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._resumer
                self._resumer = None
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


def telegram_routes(settings: BotSettings, services: RuntimeServices) -> tuple[list[Route], Lifespan | None]:
    """The webhook route and the lifespan hook that starts and stops its Application (the server enters
    it), or neither when TELEGRAM_BOT_TOKEN is not set (so /healthz says so)."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        log.info("TELEGRAM_BOT_TOKEN not set: %s not mounted", WEBHOOK_PATH)
        return [], None
    webhook = TelegramWebhook(settings, services)
    if webhook.secret is None:
        log.warning("TELEGRAM_WEBHOOK_SECRET not set: %s will refuse every update", WEBHOOK_PATH)

    def lifespan(app: Any) -> AbstractAsyncContextManager[None]:
        return webhook.lifespan()

    return webhook.routes(), lifespan


async def poll(settings: BotSettings, services: RuntimeServices, *, engine: Engine | None = None,
               stop: asyncio.Event | None = None) -> int:
    """Long polling inside a running event loop, until `stop` is set or the task is cancelled."""
    try:
        app = build_application(settings, services, polling=True, engine=engine)
    except TelegramNotConfigured as error:
        log.error("%s", error)
        return 2
    await asyncio.to_thread(services.ensure_database)  # the schema once, before updates arrive concurrently
    try:
        await app.initialize()
    except InvalidToken:
        log.error("TELEGRAM_BOT_TOKEN was refused by Telegram")
        return 2
    resumer: asyncio.Task[None] | None = None
    try:
        await app.start()
        resumer = start_resumer(app)  # finishes the /check jobs of processes that died
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=["message", "callback_query"], error_callback=_polling_error)
        log.info("telegram: polling as @%s", app.bot.username)
        await (stop or asyncio.Event()).wait()
    except asyncio.CancelledError:
        pass
    finally:
        if resumer is not None:
            resumer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await resumer
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


def run_polling(settings: BotSettings, services: RuntimeServices, *,
                engine: Engine | None = None) -> int | Coroutine[Any, Any, int]:
    """`tradecheck serve --telegram-polling`: blocks until Ctrl-C and returns the exit code.

    Called from inside a running event loop (the shared server runs uvicorn beside it), it
    returns the `poll` coroutine instead, for the caller to schedule and cancel.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            return asyncio.run(poll(settings, services, engine=engine))
        except KeyboardInterrupt:
            return 0
    return poll(settings, services, engine=engine)
