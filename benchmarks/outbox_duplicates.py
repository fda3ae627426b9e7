"""Two monitor processes sending one outbox through a slow Slack: how many posts for N messages?

Issue 15, item 3. A fake Slack Web API (tests/bot/slack/fake_slack.py) runs in this process and
answers `chat.postMessage` after `--latency` seconds. N messages are written to the outbox of a
fresh PostgreSQL schema (or `--database-url sqlite:///…`), each for its own channel; then two real
worker processes (`python -m bot.monitor --worker --no-plan --exit-when-idle`, the product's
`SlackDeliverer`) send them. Prints posts per message: 0 duplicates is the goal.

    python benchmarks/outbox_duplicates.py                       # 40 messages, 3.5 s, lease 120 s
    python benchmarks/outbox_duplicates.py --latency 1 --lease 10
    python benchmarks/outbox_duplicates.py --code /work/main     # the code before the change
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def enqueue(url: str, n: int, code: Path) -> None:
    script = f"""
import sys
sys.path.insert(0, {str(code)!r})
from storage import outbox
from storage.db import open_database
database = open_database({url!r})
database.upgrade()
with database.session() as session:
    for i in range({n}):
        outbox.enqueue(session, f"bench:{{i}}", platform="slack", channel=f"C{{i:03d}}", text=f"message {{i:03d}}")
    session.commit()
"""
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "PYTHONPATH": str(code)})


async def main(args: argparse.Namespace) -> int:
    from benchmarks.slack_crash import fresh_schema
    from tests.bot.slack.fake_slack import FakeSlack

    code = Path(args.code).resolve()
    url = args.database_url if args.database_url.startswith("sqlite") else fresh_schema(args.database_url)
    enqueue(url, args.n, code)
    fake = FakeSlack()
    fake.delay["chat.postMessage"] = args.latency
    await fake.start()
    work = Path(tempfile.mkdtemp(prefix="tradecheck-outbox-"))
    env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-outbox-bench", "SLACK_API_URL": fake.api_url,
           "TRADECHECK_OFFLINE": "1", "TRADECHECK_LOG": "INFO", "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "bot.monitor", "--worker", "--no-plan", "--exit-when-idle",
               "--interval", str(args.interval), "--lease", str(args.lease)]
    logs = [work / f"worker-{i}.log" for i in range(2)]
    started = time.monotonic()
    workers = [subprocess.Popen(command, env=env, cwd=work, stdout=log.open("wb"), stderr=subprocess.STDOUT)
               for log in logs]
    try:
        while any(w.poll() is None for w in workers):
            await asyncio.sleep(0.2)
            if time.monotonic() - started > args.timeout:
                break
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        await fake.stop()
    elapsed = time.monotonic() - started
    posts = Counter(c.params.get("text") for c in fake.of("chat.postMessage"))
    duplicates = sum(count - 1 for count in posts.values() if count > 1)
    lost_lease = sum(log.read_text(errors="replace").count("lease lost before sending") for log in logs)
    late = sum(log.read_text(errors="replace").count("lease had") for log in logs)
    print(f"code: {code}")
    print(f"{args.n} messages, chat.postMessage in {args.latency} s, lease {args.lease} s, 2 workers: "
          f"{sum(posts.values())} posts, {len(posts)} distinct, {duplicates} duplicates, "
          f"{args.n - len(posts)} never sent; {elapsed:.1f} s")
    print(f"skipped because another sender had the row: {lost_lease}; 'sent, but the lease had …' warnings: {late}")
    return 0 if duplicates == 0 and len(posts) == args.n else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40)
    parser.add_argument("--latency", type=float, default=3.5)
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose workers send (default: this one)")
    sys.exit(asyncio.run(main(parser.parse_args())))
