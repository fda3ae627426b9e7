"""Coalesced progress updates: a card edited as sources finish, but not once per source.

Chat platforms rate-limit message edits (Slack `chat.update` ~1/s per channel, Telegram ~1/s per
chat), and a check can finish ten sources within a second. `Coalescer` keeps only the latest
state and sends it at most once per `interval`; `close()` cancels what is pending and sends the
final state last, so a late progress edit can never overwrite the finished card.
Platform-neutral: the Slack and Telegram adapters both use it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Coalescer(Generic[T]):
    """Send the latest pushed state at most every `interval` seconds; the final one always."""

    def __init__(self, send: Callable[[T], Awaitable[object]], interval: float = 1.0) -> None:
        self._send = send
        self._interval = interval
        self._latest: T | None = None
        self._has_latest = False
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._last_sent = 0.0
        self._closed = False
        self._sending = False
        self.sent = 0  # how many sends happened (for logs and tests)

    async def push(self, state: T) -> None:
        """Remember `state`; schedule a send unless one is already waiting. Never blocks on I/O."""
        if self._closed:
            return
        self._latest, self._has_latest = state, True
        if self._timer is None or self._timer.done():
            delay = max(0.0, self._last_sent + self._interval - time.monotonic())
            self._timer = asyncio.create_task(self._flush_after(delay))

    async def _flush_after(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        async with self._lock:
            if self._closed or not self._has_latest:
                return
            state, self._has_latest = self._latest, False
            self._sending = True
            try:
                await self._deliver(state)  # type: ignore[arg-type]
            finally:
                self._sending = False

    async def _deliver(self, state: T) -> None:
        try:
            await self._send(state)
            self.sent += 1
        except Exception:  # a failed progress edit must not stop the check; the final send retries
            log.warning("progress update failed", exc_info=True)
        finally:
            self._last_sent = time.monotonic()

    async def close(self, final: T | None = None) -> None:
        """Drop any pending progress and send `final` (if given) after any send in flight."""
        self._closed = True
        if self._timer is not None and not self._timer.done() and not self._sending:
            self._timer.cancel()  # only a waiting timer; a send in flight is let finish
        async with self._lock:  # waits for a send in flight to finish
            if final is not None:
                await self._send(final)
                self.sent += 1
