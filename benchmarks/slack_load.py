"""Load test of the Slack app: N concurrent /check requests against the running app.

The real ASGI app runs under uvicorn on a free localhost port, its Web API calls go to a local fake
Slack (SLACK_API_URL), requests are signed like Slack signs them. Checks: every ack under 3 s,
one card posted per check and finished, no case lost in the database. Prints ack p50/p99.

    /work/venv/bin/python benchmarks/slack_load.py            # 50 checks, temporary SQLite
    /work/venv/bin/python benchmarks/slack_load.py -n 100 --slow 2 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


async def main(args: argparse.Namespace) -> int:
    import httpx

    from bot.app import Runtime
    from bot.settings import get_bot_settings, reload_settings
    from tests.bot.slack.conftest import SECRET, SlackHarness, make_engine, start_app
    from tests.bot.slack.fake_slack import FakeSlack

    workdir = tempfile.mkdtemp(prefix="tradecheck-load-")
    os.environ.update({
        "DATABASE_URL": args.database_url or f"sqlite:///{Path(workdir) / 'load.db'}",
        "SLACK_BOT_TOKEN": "xoxb-load", "SLACK_SIGNING_SECRET": SECRET, "TRADECHECK_OFFLINE": "1",
        "TRADECHECK_LANG": "en", "MANAGERS": "slack:UMGR",
    })
    reload_settings()
    fake = FakeSlack()
    await fake.start()
    runtime = Runtime(get_bot_settings())  # this benchmark is the server's entry point: its one runtime
    url, server, task, _ = await start_app(fake, lambda: runtime, engine=make_engine(runtime, slow=args.slow),
                                           progress_interval=1.0)
    names = [f"Load Test Trading {i:03d} LLC" for i in range(args.n)]
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=args.n)) as http:
        slack = SlackHarness(url=url, fake=fake, http=http, server_runtime=runtime)
        # warm up once (auth.test, database schema) so the numbers are for steady state
        await slack.run_check("Warm Up Trading LLC", timeout=120)
        fake.calls.clear()
        slack.acks.clear()
        started = time.perf_counter()
        responses = await asyncio.gather(*(
            slack.command(f"{name} email=buyer{i}@load{i}.example country=AE", user=f"U{i % 7}", channel=f"C{i % 5}")
            for i, name in enumerate(names)
        ))
        acked = time.perf_counter() - started

        def finished() -> set[str]:
            return {c.params["ts"] for c in fake.of("chat.update") if "⏳" not in c.params["blocks"][0]["text"]["text"]}

        posts = [c for c in fake.of("chat.postMessage") if c.params.get("blocks")]
        try:
            await fake.wait_for(lambda: len(finished()) >= args.n, timeout=args.slow + 60)
        except AssertionError:
            pass
        done = time.perf_counter() - started
        posts = [c for c in fake.of("chat.postMessage") if c.params.get("blocks")]

    await asyncio.sleep(0.5)
    from storage.cases import list_cases

    with runtime.ensure_database().session() as session:
        cases = {case.name for case in list_cases(session, limit=10_000)}
    server.should_exit = True
    await task
    await fake.stop()
    await runtime.aclose()
    runtime.close()

    acks = slack.acks
    statuses = [r.status_code for r in responses]
    lost = [name for name in names if name not in cases]
    print(f"checks: {args.n} concurrent /check, slow source {args.slow:g} s, database {(runtime.settings.database_url or 'sqlite').split(':')[0]}")
    print(f"ack: p50 {statistics.median(acks) * 1000:.0f} ms, p99 {_percentile(acks, 99) * 1000:.0f} ms, "
          f"max {max(acks) * 1000:.0f} ms; all {args.n} answered in {acked:.2f} s; HTTP {sorted(set(statuses))}")
    print(f"cards posted: {len(posts)}; finished: {len(finished())}; chat.update calls: {len(fake.of('chat.update'))}; "
          f"429s: {len(fake.of('chat.postMessage#429'))}; all finished after {done:.2f} s")
    print(f"cases in the database: {len(cases & set(names))} of {args.n}; lost: {len(lost)}")
    ok = max(acks) < 3.0 and len(posts) == args.n and len(finished()) >= args.n and not lost and set(statuses) == {200}
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="concurrent /check requests (default 50)")
    parser.add_argument("--slow", type=float, default=1.5, help="seconds the slow test source takes (default 1.5)")
    parser.add_argument("--database-url", help="e.g. postgresql://… (default: a temporary SQLite file)")
    sys.exit(asyncio.run(main(parser.parse_args())))
