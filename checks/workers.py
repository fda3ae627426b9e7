"""A one-thread worker pool for CPU work that must stay off an event loop, owned by whoever makes it.

The engine's (`Engine.cpu`: screening, scoring) and the bot runtime's (request parsing) are each made by
their owner and closed with it; nothing here is module-level. One thread: the work holds the GIL
anyway, and each more thread competing for it makes the event loop wait longer whenever it wants the
GIL back (benchmarks/loop_lag.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerPool:
    """One worker thread, started on first use. A forked child (tests, prefork servers) inherits the
    parent's executor object but not its thread: work submitted there would wait forever, so a child
    gets its own thread. After `close()` the next use starts a new thread (an engine shared by several
    test runtimes outlives the one that closed it)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._local = threading.local()  # the worker thread's own event loop (`run_async`)
        self._loops: list[asyncio.AbstractEventLoop] = []

    def executor(self) -> ThreadPoolExecutor:
        pid = os.getpid()
        with self._lock:
            if self._pool is None or self._pid != pid:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
                self._pid = pid
            return self._pool

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the worker thread, in a copy of the caller's context."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor(), contextvars.copy_context().run, function, *args)

    def run_async(self, make: Callable[[], Awaitable[T]]) -> T:
        """On the worker thread: run the coroutine `make()` to completion on this thread's own event loop,
        made once and reused (a server screens many times; a new loop each time costs)."""
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            with self._lock:
                self._loops.append(loop)
        return loop.run_until_complete(make())

    def close(self) -> None:
        """Stop the thread once its queued work is done, and close its event loop. Reusable after."""
        with self._lock:
            pool, self._pool = self._pool, None
            mine = self._pid == os.getpid()
        if pool is None or not mine:
            return
        pool.submit(self._close_loops)  # on the worker thread, after the work queued before it
        pool.shutdown(wait=False)

    def _close_loops(self) -> None:
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()
