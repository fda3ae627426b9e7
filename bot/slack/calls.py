"""Call a flow function that may be sync (database work) or async, without blocking the loop."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable


async def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await coroutine functions; run plain functions in a worker thread (they may hit the DB)."""
    if inspect.iscoroutinefunction(function):
        return await function(*args, **kwargs)
    result = await asyncio.to_thread(function, *args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result
