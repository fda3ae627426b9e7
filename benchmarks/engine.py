"""Engine overhead per check with every offline source (run by hand: python benchmarks/engine.py).

Target (issue 2): under 20 ms per check on one core, measured over 200 checks. Indexes and data
files are loaded once before timing (a warm-up check), as in a long-running bot process.
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
from checks.request import parse  # noqa: E402

REQUESTS = [
    'ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789',
    'Gulf Star General Trading LLC email=ahmed@gulfstar-trading.ae site=gulfstar-trading.ae phone=+971 4 295 1234 country=AE person="Ahmed Al Mansouri"',
    "Sunrise Textiles country=IR",
    "Schneider Maschinenbau GmbH email=m.schneider@schneider-maschinenbau.de vat=DE811115368 country=DE lei=5493001KJTIIGC8Y1R12",
    "深圳市华达进出口贸易有限公司 email=zhangwei@huada-trade.cn phone=+86 755 8888 6666 country=CN reg=91350100M000100Y43",
]


async def main(n: int = 200) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    started = time.perf_counter()
    engine = build_engine(offline=True)
    requests = [parse(text) for text in REQUESTS]
    await engine.run(requests[0])  # warm-up: loads lists and data files
    print(f"engine ready (sources: {', '.join(s.name for s in engine.sources)}) in {time.perf_counter() - started:.2f} s")
    timings = []
    for i in range(n):
        request = requests[i % len(requests)]
        t0 = time.perf_counter()
        await engine.run(request)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    print(f"{n} checks: mean {statistics.mean(timings):.2f} ms, p50 {timings[n // 2]:.2f} ms, "
          f"p99 {timings[int(n * 0.99) - 1]:.2f} ms, max {timings[-1]:.2f} ms  (target: < 20 ms per check)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
