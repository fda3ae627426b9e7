"""CPU work a chat adapter does before its ack, on one worker thread instead of the event loop.

Parsing a 20,000-character paste takes up to ~40 ms of CPU; on the loop it delays every other
request's ack. On many threads it is no better: each thread holding the GIL makes the loop wait for
it. One thread (checks' sources have their own, checks.engine) keeps the loop's waits short
(benchmarks/loop_lag.py).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any, TypeVar

from checks.engine import ProcessLocalPool
from checks.request import CheckRequest

_PARSE = ProcessLocalPool("parse")
T = TypeVar("T")


async def run_parse(function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` (request parsing) on the parse thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_PARSE.get(), contextvars.copy_context().run, function, *args)


async def parse_request(parse_now: Callable[[str, str | None], CheckRequest], text: str,
                        lang: str | None = None) -> CheckRequest:
    """`parse_now(text, lang)` (a runtime's request parser) on the parse thread; raises RequestError like it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_PARSE.get(), contextvars.copy_context().run, parse_now, text, lang)
