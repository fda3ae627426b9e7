"""Coalesced progress updates: the latest state at most once per interval, the final one last."""

from __future__ import annotations

import asyncio

from bot.progress import Coalescer


async def test_bursts_are_coalesced_and_the_final_state_is_sent_last() -> None:
    sent: list[int] = []

    async def send(state: int) -> None:
        await asyncio.sleep(0.01)
        sent.append(state)

    updates: Coalescer[int] = Coalescer(send, interval=0.1)
    for i in range(10):  # ten sources finishing at once
        await updates.push(i)
    await asyncio.sleep(0.05)
    for i in range(10, 20):
        await updates.push(i)
    await asyncio.sleep(0.25)
    await updates.push(20)
    await updates.close(99)
    assert sent[0] == 9 or sent[0] == 0  # the first burst: one send with a state from it
    assert sent[-1] == 99 and 99 not in sent[:-1]
    assert len(sent) <= 4
    assert 19 in sent  # the latest state of the second burst was sent, none in between
    assert not any(10 <= s < 19 for s in sent)


async def test_a_send_in_flight_finishes_before_the_final_one() -> None:
    sent: list[str] = []
    started = asyncio.Event()

    async def send(state: str) -> None:
        started.set()
        await asyncio.sleep(0.1)
        sent.append(state)

    updates: Coalescer[str] = Coalescer(send, interval=0.0)
    await updates.push("progress")
    await started.wait()
    await updates.close("final")
    assert sent == ["progress", "final"]


async def test_a_failing_progress_send_does_not_raise() -> None:
    calls: list[str] = []

    async def send(state: str) -> None:
        calls.append(state)
        if state == "progress":
            raise OSError("network")

    updates: Coalescer[str] = Coalescer(send, interval=0.0)
    await updates.push("progress")
    await asyncio.sleep(0.02)
    await updates.close("final")
    assert calls == ["progress", "final"]
    await updates.push("late")  # after close: ignored
    await asyncio.sleep(0.02)
    assert calls == ["progress", "final"]
