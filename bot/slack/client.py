"""The Slack Web API client every call goes through: `SLACK_API_URL`, retries on 429 and resets.

slack_sdk retries nothing on 429 unless a rate-limit handler is added; it then sleeps for the
`Retry-After` the API sent. Server errors are not retried: a 500 after `chat.postMessage` may
still have posted, and a second card is worse than a late one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from ..settings import BotSettings

TIMEOUT_SECONDS = 15


def api_url(settings: BotSettings) -> str:
    """The Web API base URL; slack_sdk joins it with the method name, so it must end with `/`."""
    url = (settings.slack_api_url or "https://slack.com/api/").strip()
    return url if url.endswith("/") else url + "/"


def retry_handlers(rate_limits: bool = True) -> list:  # type: ignore[type-arg]
    handlers: list = [AsyncConnectionErrorRetryHandler(max_retry_count=2)]  # type: ignore[type-arg]
    if rate_limits:
        handlers.insert(0, AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return handlers


def make_client(settings: BotSettings, token: str | None = None, *, wait_on_rate_limit: bool = True) -> AsyncWebClient:
    """`wait_on_rate_limit=False` lets a 429 raise (the outbox reschedules instead of sleeping)."""
    bot_token = token or (settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None)
    return AsyncWebClient(
        token=bot_token, base_url=api_url(settings), timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(wait_on_rate_limit),
    )


@contextlib.asynccontextmanager
async def shared_session(client: AsyncWebClient) -> AsyncIterator[None]:
    """One aiohttp session (a keep-alive connection pool) for the server's lifetime.

    Without it slack_sdk opens a new session, and a new TCP+TLS connection, for every call; Bolt
    copies `client.session` into each request's client, so setting it here covers every listener.
    """
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))
    client.session = session
    try:
        yield
    finally:
        client.session = None
        await session.close()
