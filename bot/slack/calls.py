"""Call a flow function that may be sync (database work) or async, without blocking the loop.

Calls made before an `ack()` (idempotency key, the user's language) run on their own small thread
pool: under load the default pool is busy storing checks, and an ack must not queue behind them.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

_ACK_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-ack")


async def call(function: Callable[..., Any], *args: Any, fast: bool = False, **kwargs: Any) -> Any:
    """Await coroutine functions; run plain functions in a worker thread (they may hit the DB).

    `fast=True` uses the pool reserved for the work before an ack.
    """
    if inspect.iscoroutinefunction(function):
        return await function(*args, **kwargs)
    if fast:
        loop = asyncio.get_running_loop()
        bound = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
        result = await loop.run_in_executor(_ACK_POOL, bound)
    else:
        result = await asyncio.to_thread(function, *args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result
