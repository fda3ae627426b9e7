"""`tradecheck serve`: ONE ASGI app (Starlette, run by uvicorn) for every chat platform.

Routes: `/slack/events` (slash commands, interactivity and events, through Bolt's
AsyncSlackRequestHandler, which verifies Slack's signature), `/telegram/webhook` (mounted from
`bot.telegram.server.telegram_routes(settings, services)` when that module exists), `/feishu/events`
(events and card callbacks, `bot.feishu.server`, when FEISHU_* are set) and `/healthz`.

`--socket` runs Slack over Socket Mode (SLACK_APP_TOKEN) for a team without a public URL; the HTTP
server still serves `/healthz` and the Telegram webhook. `--feishu-ws` runs Feishu over the SDK's
long connection instead of `/feishu/events`. `--telegram-polling` hands Telegram to
`bot.telegram.server.run_polling(settings, services)` instead of the webhook.

Stateless between requests: several `tradecheck serve` processes can run behind one load balancer
on one PostgreSQL database (see README). Each platform's `/check` is a durable job
(`bot.app.checkjobs`); every process runs each mounted platform's resumer, which finishes the
checks of processes that died.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import logging
import sys
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .settings import BotSettings

if TYPE_CHECKING:
    from .app import Runtime
    from .app.services import RuntimeServices
    from .monitor import Monitor

log = logging.getLogger(__name__)

DEFAULT_PORT = 3000
SLACK_PATH = "/slack/events"

Lifespan = Callable[[Any], Any]


def slack_configured(settings: BotSettings) -> bool:
    return settings.slack_bot_token is not None and settings.slack_signing_secret is not None


def _telegram_module() -> Any | None:
    try:
        return importlib.import_module("bot.telegram.server")
    except ModuleNotFoundError as error:
        if error.name not in ("bot.telegram.server", "bot.telegram"):
            raise
        return None


def _telegram(settings: BotSettings, services: RuntimeServices) -> tuple[list[BaseRoute], Lifespan | None]:
    """The Telegram module's routes and lifespan hook (its handlers call `services`), or nothing (logged)."""
    module = _telegram_module()
    if module is None or not hasattr(module, "telegram_routes"):
        log.info("bot.telegram.server.telegram_routes not available: /telegram/webhook not mounted")
        return [], None
    routes, lifespan = module.telegram_routes(settings, services)
    return list(routes), lifespan


@contextlib.asynccontextmanager
async def _enter(hook: Lifespan, app: Any) -> AsyncIterator[None]:
    """Accept the usual lifespan shapes: a context-manager factory, an async generator, a startup coroutine."""
    if inspect.isasyncgenfunction(hook):
        async with contextlib.asynccontextmanager(hook)(app):
            yield
        return
    result = hook(app)
    if hasattr(result, "__aenter__"):
        async with result:
            yield
        return
    if inspect.isawaitable(result):
        await result
    yield


def _monitor(runtime: Runtime) -> Monitor | None:
    """The server's monitor over its runtime (re-checks and reminders with the same engine), or None
    when bot.monitor is not there."""
    try:
        monitor = importlib.import_module("bot.monitor")
    except ModuleNotFoundError as error:
        if error.name != "bot.monitor":
            raise
        log.info("bot.monitor not available: no re-check/reminder ticker")
        return None
    return monitor.Monitor(runtime)


def _monitor_ticker(monitor: Monitor, runtime: Runtime) -> Lifespan:
    """Re-checks and reminders (bot.monitor) tick inside the server. Safe in every process: the
    monitor claims its rows in the database, so two servers never send one reminder twice."""

    @contextlib.asynccontextmanager
    async def ticking(app: Any) -> AsyncIterator[None]:
        from . import platforms

        platforms.register_deliverers(monitor.deliverers, runtime)
        monitor.start_ticker()
        try:
            yield
        finally:
            monitor.stop_ticker()

    return ticking


def _mount_feishu(routes: list[BaseRoute], hooks: list[Lifespan], bot: Any | None, services: RuntimeServices) -> bool:
    """`/feishu/events` when FEISHU_APP_ID, _SECRET, _ENCRYPT_KEY and _VERIFICATION_TOKEN are all set."""
    from .feishu.settings import FeishuSettings

    feishu = bot.settings if bot is not None else FeishuSettings()
    if not feishu.can_receive:
        if feishu.app_id or feishu.app_secret:
            log.error("Feishu over HTTP needs FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_ENCRYPT_KEY and "
                      "FEISHU_VERIFICATION_TOKEN; /feishu/events not mounted")
        return False
    from .feishu.server import build_bot, feishu_routes

    bot = bot or build_bot(feishu, services=services)
    routes.extend(feishu_routes(feishu, bot))
    hooks.append(_background(bot.resumer))  # finishes the /check jobs of processes that died

    @contextlib.asynccontextmanager
    async def drain(app: Any) -> AsyncIterator[None]:
        yield
        await bot.drain()

    hooks.append(drain)
    return True


def warm_up(services: RuntimeServices) -> None:
    """Build the engine, start loading the sanctions index and load the parser's tables (~2 s of
    CPU): called on a worker thread (no running loop) before serving, so no request's event loop pays for it."""
    from checks.request import warm_up as warm_up_parser

    asyncio.run(services.runtime.checking.warm_up(None))
    warm_up_parser()


def _warm_up_off_loop(services: RuntimeServices) -> Lifespan:
    @contextlib.asynccontextmanager
    async def hook(app: Any) -> AsyncIterator[None]:
        try:
            await asyncio.to_thread(warm_up, services)
        except Exception:  # e.g. the database is not ready: each request reports it in its own words
            log.exception("warm-up failed; the first check will build what it needs")
        yield

    return hook


def _closing(runtime: Runtime) -> Lifespan:
    """A lifespan hook that closes the runtime when the app shuts down (its HTTP connections in the
    app's loop, then its thread pool): for an app that built its own runtime (the uvicorn factory)."""

    @contextlib.asynccontextmanager
    async def hook(app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            try:
                await runtime.aclose()
            finally:
                runtime.close()

    return hook


def _background(start: Callable[[], Any]) -> Lifespan:
    """A lifespan hook running `start()` (a coroutine) as a task while the app serves."""

    @contextlib.asynccontextmanager
    async def hook(app: Any) -> AsyncIterator[None]:
        task = asyncio.ensure_future(start())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    return hook


def create_app(
    settings: BotSettings | None = None,
    *,
    slack_app: Any | None = None,
    mount_slack: bool = True,
    mount_telegram: bool = True,
    mount_feishu: bool = True,
    feishu_bot: Any | None = None,
    run_ticker: bool = False,
    warm: bool = False,
    services: RuntimeServices,
    close_runtime: bool = False,
    monitor: Monitor | None = None,
) -> Starlette:
    """The one ASGI app over the entry point's runtime (`services`: the application layer every adapter
    mounted here calls). `settings` default to the runtime's. `slack_app` (a Bolt AsyncApp) is built
    from settings when not given. `warm`: build the engine on a worker thread at start-up (the uvicorn
    factory has no other start). `close_runtime`: the app owns the runtime and closes it at shutdown.
    `run_ticker`: `monitor` (else one over the services' runtime) ticks while the app runs."""
    settings = settings or services.runtime.settings
    routes: list[BaseRoute] = []
    hooks: list[Lifespan] = [_closing(services.runtime)] if close_runtime else []
    if warm:
        hooks.append(_warm_up_off_loop(services))
    state: dict[str, bool] = {"slack": False, "telegram": False, "feishu": False}

    if mount_slack and (slack_app is not None or slack_configured(settings)):
        from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler

        if slack_app is None:
            from .slack.app import SlackBot, build_app

            slack_app = build_app(SlackBot(services.runtime, settings=settings))
        handler = AsyncSlackRequestHandler(slack_app)
        bolt_client = slack_app.client

        def slack_session(app: Any) -> Any:
            from .slack.client import shared_session

            return shared_session(bolt_client)

        hooks.append(slack_session)
        resumer = getattr(slack_app, "tradecheck_resumer", None)
        if resumer is not None:
            hooks.append(_background(resumer))

        from .slack.guard import admit

        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None

        async def slack_events(request: Request) -> Response:
            refused = await admit(request, secret)  # size and signature before any parsing
            return refused if refused is not None else await handler.handle(request)

        routes.append(Route(SLACK_PATH, slack_events, methods=["POST"]))
        state["slack"] = True
    elif mount_slack and (settings.slack_bot_token or settings.slack_signing_secret):
        log.error("Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET in HTTP mode; %s not mounted", SLACK_PATH)

    if mount_feishu:
        state["feishu"] = _mount_feishu(routes, hooks, feishu_bot, services)

    if mount_telegram:
        telegram_routes, telegram_lifespan = _telegram(settings, services)
        routes.extend(telegram_routes)
        if telegram_lifespan is not None:
            hooks.append(telegram_lifespan)
        state["telegram"] = bool(telegram_routes)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, **state})

    routes.append(Route("/healthz", healthz, methods=["GET", "HEAD"]))
    if run_ticker:
        monitor = monitor or _monitor(services.runtime)
        if monitor is not None:
            hooks.append(_monitor_ticker(monitor, services.runtime))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for hook in hooks:
                await stack.enter_async_context(_enter(hook, app))
            yield

    return Starlette(routes=routes, lifespan=lifespan)


def asgi_app() -> Starlette:
    """Factory for `uvicorn --factory bot.server:asgi_app` (several workers, one machine): each worker
    is an entry point with its own runtime, closed when the worker shuts down."""
    from .app import Runtime
    from .app.services import RuntimeServices

    runtime = Runtime.from_environment()
    return create_app(runtime.settings, warm=True, services=RuntimeServices(runtime), close_runtime=True)


async def _serve(args: argparse.Namespace, settings: BotSettings, services: RuntimeServices) -> int:
    import uvicorn

    if args.socket and not (settings.slack_app_token and settings.slack_bot_token):
        print("tradecheck serve --socket needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN", file=sys.stderr)
        return 2
    async with contextlib.AsyncExitStack() as stack:
        try:  # the schema is checked (or a fresh local one created) before the first request, not during it
            await services.runtime.ready_database()
        except Exception as error:
            print(f"tradecheck serve: {error}", file=sys.stderr)
            return 2
        await asyncio.to_thread(warm_up, services)  # the engine is built before serving, and not on the event loop
        if args.socket:
            from slack_bolt.adapter.socket_mode.async_handler import (
                AsyncSocketModeHandler,
            )

            from .slack.app import SlackBot, build_app
            from .slack.client import shared_session

            socket_app = build_app(SlackBot(services.runtime, settings=settings))
            await stack.enter_async_context(shared_session(socket_app.client))
            socket_handler = AsyncSocketModeHandler(socket_app, settings.slack_app_token.get_secret_value())
            await socket_handler.connect_async()
            stack.push_async_callback(socket_handler.close_async)
            await stack.enter_async_context(_background(socket_app.tradecheck_resumer)(None))  # checks of dead processes
            log.info("Slack connected over Socket Mode")
        if args.telegram_polling:
            module = _telegram_module()
            if module is None or not hasattr(module, "run_polling"):
                print("tradecheck serve --telegram-polling: bot.telegram.server.run_polling is not available",
                      file=sys.stderr)
                return 2
            polling = module.run_polling(settings, services)
            if inspect.isawaitable(polling):
                task = asyncio.ensure_future(polling)
                stack.callback(task.cancel)

        if args.feishu_ws:
            from .feishu.server import long_connection
            from .feishu.settings import FeishuSettings

            feishu = FeishuSettings()
            if not feishu.can_send:
                print("tradecheck serve --feishu-ws needs FEISHU_APP_ID and FEISHU_APP_SECRET", file=sys.stderr)
                return 2
            from .feishu.server import build_bot

            await stack.enter_async_context(long_connection(feishu, build_bot(feishu, services=services)))
        monitor = _monitor(services.runtime) if getattr(args, "monitor", True) else None  # this server's own
        app = create_app(settings, mount_slack=not args.socket, mount_telegram=not args.telegram_polling,
                         mount_feishu=not args.feishu_ws,
                         run_ticker=monitor is not None, services=services, monitor=monitor)
        server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                               lifespan="on"))
        try:
            await server.serve()
        finally:
            if monitor is not None:  # cancelled before the lifespan's shutdown ran
                monitor.stop_ticker()
    return 0


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradecheck serve", description="Serve Slack, Telegram and Feishu (one ASGI app).")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")  # noqa: S104 - the platforms' webhooks reach it from outside
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--socket", action="store_true", help="Slack over Socket Mode (SLACK_APP_TOKEN), no public URL")
    parser.add_argument("--telegram-polling", action="store_true", help="Telegram by long polling instead of the webhook")
    parser.add_argument("--feishu-ws", action="store_true",
                        help="Feishu/Lark over the SDK's long connection (one process), no public URL")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--no-monitor", dest="monitor", action="store_false",
                        help="no re-check/reminder ticker in this process (another process runs it)")
    return parser


async def _serve_then_close(runtime: Runtime, args: argparse.Namespace, settings: BotSettings) -> int:
    """Serve; then close the runtime's HTTP connections in the loop that opened them."""
    try:
        from .app.services import RuntimeServices

        return await _serve(args, settings, services=RuntimeServices(runtime))
    finally:
        await runtime.aclose()


def serve_main(argv: list[str]) -> int:
    args = serve_parser().parse_args(argv)
    from . import logs

    logs.configure(args.log_level.upper())
    from .app import Runtime

    runtime = Runtime.from_environment()  # the process's one runtime: every adapter and the monitor get it (one engine)
    settings = runtime.settings
    try:
        return asyncio.run(_serve_then_close(runtime, args, settings))
    except KeyboardInterrupt:
        return 130
    finally:
        runtime.close()
