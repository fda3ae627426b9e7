"""Two `tradecheck serve` processes on one PostgreSQL, 30 concurrent /check, one killed with SIGKILL.

Issue 15, item 2. The benchmark runs a fake Slack Web API (tests/bot/slack/fake_slack.py) in this
process and starts two real `tradecheck serve` processes (`bot.server.serve_main`) pointed at it,
on a fresh PostgreSQL schema. Their engine is the offline engine plus two sources that take
`--slow` seconds (a slow public registry), so that checks are still running when the kill comes.
It sends N signed /check at once, half to each process (a load balancer), each in its own channel,
SIGKILLs the first process after `--kill-after` seconds, then sends Slack's retry
(`X-Slack-Retry-Num: 1`) of every request the dead process had received to the survivor, and
waits (up to `--wait` s) until every channel's card is finished.

It prints, per outcome: channels with exactly one finished card, with none, with a card stuck on
"⏳", with two cards; and how long the survivor took. `--code DIR` serves another checkout (e.g.
/work/main) to measure other code with the same harness; each server process is an entry point that
builds its one `bot.app.Runtime` with the slow engine and serves it (`bot.server._serve_then_close`),
so the checkout needs those. The servers run without the re-check ticker (`--no-monitor`): the
check jobs of a dead process are taken over by Slack's resumer, not by the monitor.

    python benchmarks/slack_crash.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python benchmarks/slack_crash.py --code /work/main ...   # the code before
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SERVE = """
import asyncio, sys
sys.path.insert(0, {code!r})
from bot import logs
from bot.app import Runtime
from bot.server import _serve_then_close, serve_parser
from bot.settings import get_bot_settings
from checks.engine import Engine, Source
from checks.models import Finding, Section, Status
from checks.registry import build_engine

class Slow(Source):
    def __init__(self, name, seconds):
        self.name, self.seconds, self.timeout = name, seconds, seconds + 30
    async def run(self, request, ctx):
        await asyncio.sleep(self.seconds)
        return [Finding(code=self.name + ".seen", status=Status.INFO, section=Section.PROFILE,
                        title="answered by " + self.name)]

# this script is the process's entry point: it builds its one runtime (with the slow engine) and serves it
args = serve_parser().parse_args(["--host", "127.0.0.1", "--port", "{port}", "--log-level", "info", "--no-monitor"])
logs.configure("INFO")
settings = get_bot_settings()
logs.protect_settings(settings)  # as Runtime.from_environment does: no secret in the log
base = build_engine(settings, offline=True)
engine = Engine([*base.sources, Slow("slow_registry", {slow}), Slow("slower_registry", {slow} * 1.5)],
                base.analyzers, base.scorer)
runtime = Runtime(settings, engine=engine)
try:
    sys.exit(asyncio.run(_serve_then_close(runtime, args, settings)))
finally:
    runtime.close()
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_schema(base: str) -> str:
    from sqlalchemy import create_engine, text

    from storage.db import normalize_url
    from tests.storage.support import with_schema

    base = normalize_url(base)
    schema = f"crash_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return with_schema(base, schema)


def start_server(code: Path, port: int, env: dict[str, str], log: Path, slow: float) -> subprocess.Popen[bytes]:
    script = SERVE.format(code=str(code), port=port, slow=slow)
    return subprocess.Popen([sys.executable, "-c", script], env={**env, "PYTHONPATH": str(code)}, cwd=log.parent,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def wait_healthy(http: Any, url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if (await http.get(url + "/healthz")).status_code == 200:
                return
        except Exception:  # noqa: S110 - not listening yet: poll again
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("server did not start")


def outcome(fake: Any, channel: str) -> str:
    posts = [c for c in fake.of("chat.postMessage") if c.params.get("blocks") and c.params.get("channel") == channel]
    if not posts:
        return "no card"
    ts_of_posts = {c.params["channel"]: None for c in posts}
    del ts_of_posts
    updates = [c for c in fake.of("chat.update") if c.params.get("channel") == channel and c.params.get("blocks")]
    by_ts: dict[str, list[Any]] = {}
    for update in updates:
        by_ts.setdefault(update.params["ts"], []).append(update)
    finished = [ts for ts, calls in by_ts.items() if "⏳" not in calls[-1].params["blocks"][0]["text"]["text"]]
    if len(posts) > 1:
        return f"{len(posts)} cards ({len(finished)} finished)"
    return "one finished card" if len(finished) == 1 else "stuck on ⏳"


async def main(args: argparse.Namespace) -> int:
    import httpx

    sys.path.insert(0, str(ROOT))
    from tests.bot.slack.conftest import SECRET, SlackHarness
    from tests.bot.slack.fake_slack import FakeSlack

    code = Path(args.code).resolve()
    url = fresh_schema(args.database_url)
    work = Path(tempfile.mkdtemp(prefix="tradecheck-crash-"))
    fake = FakeSlack()
    await fake.start()
    env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-crash-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.api_url, "TRADECHECK_OFFLINE": "1", "TRADECHECK_LANG": "en",
           "TRADECHECK_INDEX_CACHE": "off"}
    upgrade = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env={**env, "PYTHONPATH": str(code)},
                             cwd=work, capture_output=True, text=True)
    print(upgrade.stdout.strip() or upgrade.stderr.strip()[-500:])
    ports = [free_port(), free_port()]
    logs = [work / "serve-a.log", work / "serve-b.log"]
    servers = [start_server(code, port, env, log, args.slow) for port, log in zip(ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=2 * args.n)) as http:
            for base, process in zip(urls, servers, strict=True):
                await wait_healthy(http, base, process)
            harness = [SlackHarness(url=base, fake=fake, http=http) for base in urls]
            harness[1]._trigger = 10_000
            channels = [f"C{i:03d}" for i in range(args.n)]
            bodies = [harness[i % 2].command_body(f"Crash Test Trading {i:03d} LLC email=ops@crash{i}.example country=AE",
                                                  user=f"U{i % 5}", channel=channel)
                      for i, channel in enumerate(channels)]

            async def send(i: int) -> str:
                began = time.monotonic()
                try:
                    response = await harness[i % 2].post(bodies[i], "application/x-www-form-urlencoded")
                    answer = str(response.status_code)
                except httpx.HTTPError as error:
                    answer = type(error).__name__
                if i % 2:
                    survivor_acks.append(time.monotonic() - began)
                return answer

            survivor_acks: list[float] = []
            started = time.monotonic()
            sending = [asyncio.ensure_future(send(i)) for i in range(args.n)]
            await asyncio.sleep(args.kill_after)
            servers[0].send_signal(signal.SIGKILL)
            servers[0].wait()
            killed_at = time.monotonic() - started
            first = await asyncio.gather(*sending)
            to_dead = [i for i in range(args.n) if i % 2 == 0]
            stuck_at_kill = sum(outcome(fake, channels[i]) != "one finished card" for i in to_dead)
            retries = await asyncio.gather(*(
                harness[1].post(bodies[i], "application/x-www-form-urlencoded",
                                headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
                for i in to_dead))
            deadline = time.monotonic() + args.wait
            while time.monotonic() < deadline:
                if all(outcome(fake, c) == "one finished card" for c in channels):
                    break
                await asyncio.sleep(0.5)
            elapsed = time.monotonic() - started
            results = {c: outcome(fake, c) for c in channels}
    finally:
        for process in servers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        await fake.stop()
    tally: dict[str, int] = {}
    for value in results.values():
        tally[value] = tally.get(value, 0) + 1
    survivor_log = logs[1].read_text(errors="replace")
    print(f"code: {code}")
    print(f"{args.n} /check ({len(to_dead)} to the killed process), SIGKILL at {killed_at:.1f} s; "
          f"retries to the survivor answered: "
          f"{sorted({r.status_code for r in retries})}")
    print("answers of the killed process: " + ", ".join(f"{a}×{first[0::2].count(a)}" for a in sorted(set(first[0::2])))
          + "; of the survivor: " + ", ".join(f"{a}×{first[1::2].count(a)}" for a in sorted(set(first[1::2])))
          + f" (slowest ack {max(survivor_acks):.2f} s)")
    print(f"cards of the killed process not finished at the kill: {stuck_at_kill} of {len(to_dead)}")
    print(f"duplicate-delivery lines in the survivor's log: {survivor_log.count('duplicate delivery')}; "
          f"check jobs taken over: {survivor_log.count('taken over')}")
    for value, count in sorted(tally.items(), key=lambda item: -item[1]):
        print(f"  {count:3d} channels: {value}")
    print(f"all settled after {elapsed:.1f} s" if len(tally) == 1 and "one finished card" in tally
          else f"NOT all finished after {elapsed:.1f} s (logs in {work})")
    return 0 if tally.get("one finished card") == args.n else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--code", default=str(ROOT), help="the checkout to serve (default: this one)")
    parser.add_argument("--slow", type=float, default=3.0, help="seconds the slow source takes (the slower: 1.5×)")
    parser.add_argument("--kill-after", type=float, default=1.0)
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for every card to finish")
    sys.exit(asyncio.run(main(parser.parse_args())))
