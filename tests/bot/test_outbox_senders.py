"""Two outbox senders and a slow platform never send one message twice (issue 15, item 3).

Deterministic: the platform is a gate the test opens, and time is a clock the test moves (the
outbox's lease arithmetic reads `storage.outbox.utcnow`). Sender A claims three messages; the
first takes 45 "seconds" to be accepted; the second is in flight when A's original claim (60 s)
has run out for the rest of its batch; sender B then claims what is claimable. Before the fix, A
went on to send what B had claimed and B claimed the one A was sending: 5 posts for 3 messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot import monitor
from bot.app import Runtime
from bot.app.types import Conversation
from storage import outbox
from storage.models import utcnow
from tests.bot.monitor_fake import own_monitor
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class GatedPlatform:
    """Accepts a message when the test opens its gate; records every accepted post."""

    platform = "gated"

    def __init__(self, held: list[str]) -> None:
        self.sent: list[str] = []
        self.started: dict[str, asyncio.Event] = {}
        self.gates = {text: asyncio.Event() for text in held}

    def began(self, text: str) -> asyncio.Event:
        return self.started.setdefault(text, asyncio.Event())

    async def deliver(self, conversation: Conversation, text: str, card: Any = None) -> str | None:
        self.began(text).set()
        if text in self.gates:
            await self.gates[text].wait()
        self.sent.append(text)
        return f"ts-{len(self.sent)}"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(outbox, "utcnow", ticking)
    return ticking


@pytest.fixture
def runtime(db_url: str, runtime_factory: MakeRuntime) -> Runtime:
    return runtime_factory()


@pytest.fixture
def mon(runtime: Runtime) -> Iterator[monitor.Monitor]:
    """The test's monitor (a sender), over its database: leases of 60 s, three messages claimed at a time."""
    with own_monitor(runtime, monitor.MonitorConfig(outbox_lease_seconds=60, outbox_batch=3)) as built:
        yield built


def _enqueue(runtime: Runtime, texts: list[str]) -> None:
    database = runtime.ensure_database()
    with database.session() as session:
        for text in texts:
            assert outbox.enqueue(session, f"test:{text}", platform=GatedPlatform.platform, channel="C1", text=text)
        session.commit()


async def test_two_senders_and_a_slow_platform_send_each_message_once(clock: Clock, runtime: Runtime,
                                                                      mon: monitor.Monitor) -> None:
    _enqueue(runtime, ["m1", "m2", "m3"])
    platform = GatedPlatform(held=["m1", "m2"])
    mon.deliverers.register(platform)

    sender_a = asyncio.create_task(mon.send_outbox())
    await platform.began("m1").wait()  # A claimed all three (lease to T+60) and is sending m1
    clock.advance(45)
    platform.gates["m1"].set()  # accepted after 45 s; A renews m2's lease right before sending it
    await platform.began("m2").wait()
    clock.advance(16)  # T+61: A's claim on m3 ran out while it waited in A's batch
    assert await mon.send_outbox() == 1  # sender B: m3 only — m2 is in flight under a renewed lease
    platform.gates["m2"].set()
    assert await sender_a == 2  # m1 and m2; m3 is B's now and is not sent again

    assert sorted(platform.sent) == ["m1", "m2", "m3"]
    assert len(platform.sent) == len(set(platform.sent)) == 3
    with runtime.ensure_database().session() as session:
        assert outbox.counts(session) == {outbox.SENT: 3}


async def test_a_send_outlasting_its_lease_renews_it_so_no_one_claims_it(clock: Clock, runtime: Runtime,
                                                                         mon: monitor.Monitor) -> None:
    """While the platform takes its time, the sender keeps renewing the lease (every third of it)."""
    mon.config.outbox_lease_seconds = 0.3  # real seconds for the renewal rhythm; the clock stays put
    _enqueue(runtime, ["slow"])
    platform = GatedPlatform(held=["slow"])
    mon.deliverers.register(platform)
    sender = asyncio.create_task(mon.send_outbox())
    await platform.began("slow").wait()
    renewed: list[datetime] = []
    for _ in range(3):  # each renewal moves the lease to clock + 0.3 s; wait for it to be seen in the row
        clock.advance(10)
        for _ in range(600):  # a bound, not a timing assertion: the renewal comes within 0.1 s when idle
            with runtime.ensure_database().session() as session:
                from storage.models import Outbox, aware

                row = session.get(Outbox, 1)
                assert row is not None
                until = aware(row.next_attempt_at)
            if until is not None and until > clock.now:
                renewed.append(until)
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the lease was never renewed while the platform was answering")
        assert await mon.send_outbox() == 0  # another sender, now: nothing claimable
    platform.gates["slow"].set()
    assert await sender == 1 and platform.sent == ["slow"] and len(renewed) == 3
