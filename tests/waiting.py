"""Waiting for an event in a test: re-check a condition each time a fake records something, never a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def wait_until(predicate: Callable[[], Any], changed: asyncio.Event, timeout: float,
                     describe: Callable[[], str]) -> Any:
    """The first truthy `predicate()`, checked again whenever `changed` is set (and at least every 0.2 s, for
    changes made outside the fake); after `timeout` seconds an AssertionError says what was seen so far."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting; {describe()}")
        changed.clear()
        try:
            await asyncio.wait_for(changed.wait(), min(remaining, 0.2))
        except TimeoutError:
            pass
    return value
