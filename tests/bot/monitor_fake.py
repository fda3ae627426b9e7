"""A fake chat platform for the monitor's multi-process tests: `python -m bot.monitor --setup
tests.bot.monitor_fake:setup` registers it in the worker process's monitor. `own_monitor(runtime)` gives
an in-process test a monitor of its own over the test's runtime.

Every delivery appends one line `<channel>\t<pid>\t<text>` to the file named by MONITOR_FAKE_LOG
(O_APPEND: lines from several processes never interleave), so the test counts what a person would
have seen. MONITOR_FAKE_HANG_DELIVERY=N makes the Nth delivery of this process hang *before* the
message is recorded (the platform never got it), MONITOR_FAKE_HANG_JOB=N the Nth job handled; the
process first touches MONITOR_FAKE_MARKER so that the test can SIGKILL it there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import monitor
from bot.app import Runtime
from bot.app.types import Conversation
from bot.card import Card

PLATFORM = "fake"


def _hang(counter: str) -> None:
    limit = int(os.environ.get(counter, "0") or 0)
    _counts[counter] = _counts.get(counter, 0) + 1
    if limit and _counts[counter] == limit:
        Path(os.environ["MONITOR_FAKE_MARKER"]).write_text(str(os.getpid()))
        time.sleep(600)  # blocks the whole event loop, leases held, until the test kills us


_counts: dict[str, int] = {}


class FileDeliverer:
    platform = PLATFORM

    def __init__(self, path: str) -> None:
        self.path = path

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        _hang("MONITOR_FAKE_HANG_DELIVERY")
        line = f"{conversation.channel}\t{os.getpid()}\t{text.replace(chr(10), ' ')}\n".encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return f"{conversation.channel}.{os.getpid()}"


def setup(mon: monitor.Monitor) -> None:
    mon.deliverers.register(FileDeliverer(os.environ["MONITOR_FAKE_LOG"]))
    handler = mon.handlers[monitor.REMINDER]

    async def slow_reminder(job):  # type: ignore[no-untyped-def]
        _hang("MONITOR_FAKE_HANG_JOB")
        return await handler(job)

    mon.handlers.register(monitor.REMINDER, slow_reminder)


@contextmanager
def own_monitor(runtime: Runtime, config: monitor.MonitorConfig | None = None) -> Iterator[monitor.Monitor]:
    """A monitor of the test's own over the test's runtime (built after its database fixture); its
    ticker, if the test started one, is stopped at the end."""
    mon = monitor.Monitor(runtime, config)
    try:
        yield mon
    finally:
        mon.stop_ticker()


def delivered(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    return [tuple(line.split("\t", 2)) for line in path.read_text().splitlines() if line]  # type: ignore[misc]
