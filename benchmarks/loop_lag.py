"""Event-loop lag while 20 checks run at once (run by hand: python benchmarks/loop_lag.py [--inline]).

Target (issue 15, item 1): a server's loop is never blocked more than 50 ms while 20 checks run
(offline sources and sanctions screening, as `tradecheck serve --offline` would), so acks keep
coming. A probe task sleeps 5 ms in a loop and records how late it wakes up; the lag is that
lateness. The requests include a 20,000-character paste and long person names, the worst shapes
for the parser and the screener. `--inline` runs the same checks with every source on the loop
(the behaviour before the fix) for comparison. The engine is built and warmed before timing.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks.registry import build_engine  # noqa: E402
from checks.request import RequestError, parse, warm_up  # noqa: E402
from checks.workers import WorkerPool  # noqa: E402

PROBE_INTERVAL = 0.005
TEXTS = [
    'ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789',
    'Gulf Star General Trading LLC email=ahmed@gulfstar-trading.ae phone=+971 4 295 1234 country=AE '
    'person="Ahmed Al Mansouri" person="Mohammed Rahman"',
    "Sunrise Textiles country=IR person=" + '"' + ("Abdul Rahman Mohammed Al Hashimi " * 15)[:480] + '"',
    "深圳市华达进出口贸易有限公司 email=zhangwei@huada-trade.cn phone=+86 755 8888 6666 country=CN",
    ("Best regards,\nAhmed Al Mansouri\nPurchasing Manager\nGulf Star General Trading LLC\n"
     "Deira, Dubai, United Arab Emirates\nTel: +971 4 295 1234\nEmail: ahmed@gulfstar-trading.ae\n\n" * 120)[:20_000],
]


async def probe(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(PROBE_INTERVAL)
        lags.append(time.perf_counter() - started - PROBE_INTERVAL)


PARSE = WorkerPool("parse")  # a runtime's parse thread (Runtime.parse_pool), as the chat adapters parse on


async def one_check(engine, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        request = await PARSE.run(parse, text)  # as the Slack, Telegram and Feishu handlers do
    except RequestError:
        return
    await engine.run(request)


def summary(lags: list[float]) -> str:
    lags_ms = sorted(lag * 1000 for lag in lags)
    return (f"{len(lags_ms)} probes, loop lag p50 {statistics.median(lags_ms):.1f} ms, "
            f"p99 {lags_ms[int(len(lags_ms) * 0.99)]:.1f} ms, max {lags_ms[-1]:.1f} ms")


async def idle_baseline(seconds: float = 2.0) -> str:
    """The same probe on an idle loop: what the machine itself adds (other processes, the scheduler)."""
    stop, lags = asyncio.Event(), []
    task = asyncio.create_task(probe(stop, lags))
    await asyncio.sleep(seconds)
    stop.set()
    await task
    return summary(lags)


async def main(inline: bool, n: int = 20) -> None:
    engine = build_engine(offline=True)
    if inline:
        for source in engine.sources:
            source.in_thread = False
    warm_up()
    if "--cold" not in sys.argv:  # what a server has loaded after its first few checks
        for text in TEXTS:
            await one_check(engine, text)
    else:
        await engine.run(parse(TEXTS[0]))  # only the sanctions index, as serve's warm-up does
    print(f"idle loop (machine noise): {await idle_baseline()}; load average {os.getloadavg()[0]:.1f}")
    stop, lags = asyncio.Event(), []
    probe_task = asyncio.create_task(probe(stop, lags))
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one_check(engine, TEXTS[i % len(TEXTS)]) for i in range(n)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    stop.set()
    await probe_task
    mode = "sources on the event loop (--inline)" if inline else "CPU work on worker threads"
    print(f"{n} checks, {mode}: {elapsed:.2f} s wall, {cpu:.2f} s CPU; {summary(lags)} (target: max < 50 ms)")


if __name__ == "__main__":
    asyncio.run(main(inline="--inline" in sys.argv))
