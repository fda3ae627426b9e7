"""Feishu in `tradecheck serve`: the `/feishu/events` route, or the SDK's long connection (`--feishu-ws`).

HTTP: one route for events and card callbacks (configure the same URL for both in the developer
console). The body is read up to `events.MAX_BODY`, verified and decrypted (`events.open_envelope`),
the URL-verification challenge answered, then the event handed to `FeishuBot`.

Long connection: the SDK's `lark_oapi.ws.Client` (it dials out, no public URL) runs on its own
thread and event loop; each payload is handed to the server's loop, and a card callback's answer
is waited for there (Feishu wants it within 3 s). No verification token or signature on this path:
the connection itself is authenticated with the app's credentials.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..app.services import RuntimeServices
from ..httpbody import TooLarge, read_body
from .api import FeishuApi
from .events import MAX_BODY, CardActionTriggered, Refused, open_envelope, parse
from .handlers import FeishuBot
from .settings import FeishuSettings

log = logging.getLogger(__name__)

FEISHU_PATH = "/feishu/events"
CALLBACK_WAIT = 2.5  # seconds: Feishu shows an error on the card when a callback takes over 3 s


class FeishuEndpoint:
    def __init__(self, settings: FeishuSettings, bot: FeishuBot) -> None:
        if not settings.can_receive:
            raise ValueError("the Feishu endpoint needs FEISHU_ENCRYPT_KEY and FEISHU_VERIFICATION_TOKEN")
        self.settings = settings
        self.bot = bot
        self.encrypt_key = settings.encrypt_key.get_secret_value() if settings.encrypt_key else ""
        self.verification_token = settings.verification_token.get_secret_value() if settings.verification_token else ""

    async def handle(self, request: Request) -> Response:
        client = request.client.host if request.client else "?"
        try:
            body = await read_body(request, MAX_BODY)
        except TooLarge:
            log.warning("refused a Feishu request over %d bytes from %s", MAX_BODY, client)
            return PlainTextResponse("request too large", status_code=413)
        try:
            payload = open_envelope(body, {k.lower(): v for k, v in request.headers.items()},
                                    encrypt_key=self.encrypt_key, verification_token=self.verification_token)
            if payload.get("type") == "url_verification":
                return JSONResponse({"challenge": str(payload.get("challenge") or "")})
            event = parse(payload)
        except Refused as refused:
            log.warning("refused a Feishu request from %s: %s", client, refused)
            return PlainTextResponse("refused", status_code=refused.status)
        if event is None:
            return JSONResponse({})
        answer = await self.bot.handle(event)
        return JSONResponse(answer or {})


def build_bot(settings: FeishuSettings, services: RuntimeServices, **options: Any) -> FeishuBot:
    """The Feishu app for `settings`, calling `services` (the entry point's runtime)."""
    return FeishuBot(FeishuApi(settings), settings, services, **options)


def feishu_routes(settings: FeishuSettings, bot: FeishuBot) -> list[Route]:
    endpoint = FeishuEndpoint(settings, bot)
    return [Route(FEISHU_PATH, endpoint.handle, methods=["POST"])]


# --- the long connection ----------------------------------------------------------------------
def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("feishu event over the long connection failed", exc_info=future.exception())


class LongConnection:
    """The SDK's WebSocket client on its own thread, handing payloads to `loop` (the server's)."""

    def __init__(self, settings: FeishuSettings, bot: FeishuBot, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = settings
        self.bot = bot
        self.loop = loop
        self.thread: threading.Thread | None = None
        self.handed_over: list[concurrent.futures.Future[Any]] = []  # the latest events handed to `loop`

    def on_payload(self, payload: bytes) -> Any:
        """Called on the SDK's thread with one plaintext event; returns a card callback's answer."""
        try:
            event = parse(json.loads(payload))
        except (Refused, ValueError) as error:
            log.warning("ignored a malformed Feishu event over the long connection: %s", error)
            return None
        if event is None:
            return None
        future = asyncio.run_coroutine_threadsafe(self.bot.handle(event), self.loop)
        self.handed_over.append(future)
        del self.handed_over[:-100]
        if not isinstance(event, CardActionTriggered):
            future.add_done_callback(_log_failure)
            return None  # nothing to answer: the SDK's thread does not wait for the work
        try:
            return future.result(timeout=CALLBACK_WAIT)
        except Exception:
            log.exception("feishu event over the long connection failed or was too slow")
            return None

    def _run(self) -> None:
        import lark_oapi as lark
        from lark_oapi.ws import client as ws_client

        # The SDK keeps its event loop in a module variable taken at import time (the server's own loop
        # when imported there): this thread gets a loop of its own.
        ws_client.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(ws_client.loop)
        connection = self

        class Handler(lark.EventDispatcherHandler):
            def _do_without_validation(self, payload: bytes) -> Any:
                return connection.on_payload(payload)

        secret = self.settings.app_secret.get_secret_value() if self.settings.app_secret else ""
        client = lark.ws.Client(self.settings.app_id or "", secret, event_handler=Handler(),
                                domain=self.settings.domain, log_level=lark.LogLevel.INFO)
        client.start()

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="feishu-ws", daemon=True)
        self.thread.start()


@contextlib.asynccontextmanager
async def long_connection(settings: FeishuSettings, bot: FeishuBot) -> AsyncIterator[FeishuBot]:
    LongConnection(settings, bot, asyncio.get_running_loop()).start()
    log.info("Feishu connected over the long connection")
    resumer = asyncio.ensure_future(bot.resumer())  # finishes the /check jobs of processes that died
    try:
        yield bot
    finally:
        resumer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await resumer
        await bot.drain()
