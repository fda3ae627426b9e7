"""CPU work a chat adapter does before its ack, on one worker thread instead of the event loop.

Parsing a 20,000-character paste takes up to ~40 ms of CPU; on the loop it delays every other
request's ack. On many threads it is no better: each thread holding the GIL makes the loop wait for
it. One thread, the runtime's `parse_pool` (the engine's sources have their own, `Engine.cpu`), keeps
the loop's waits short (benchmarks/loop_lag.py). The pool belongs to the runtime, which closes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from checks.workers import WorkerPool

T = TypeVar("T")


async def run_parse(pool: WorkerPool, function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` (request parsing) on the parse thread `pool`."""
    return await pool.run(function, *args)
