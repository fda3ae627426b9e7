"""How fast and how cheaply `tradecheck serve` refuses unsigned and oversize Slack requests.

Issue 15, item 6. Starts one real `tradecheck serve` (SQLite, a fake Slack) and sends: 50 unsigned
`payload=x` requests, 20 with a wrong signature, then a 400 MB body streamed without a length
(chunked) and one declaring 400 MB. Prints status codes, latency p50/max, and the server's peak
memory (VmHWM) before and after. `--code /work/main` measures the code before the change.

    python benchmarks/slack_hostile.py [--code DIR] [--megabytes 400]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main(args: argparse.Namespace) -> int:
    import httpx

    from benchmarks.slack_crash import free_port, start_server, wait_healthy
    from tests.bot.slack.conftest import SECRET, sign
    from tests.bot.slack.fake_slack import FakeSlack

    code = Path(args.code).resolve()
    work = Path(tempfile.mkdtemp(prefix="tradecheck-hostile-"))
    fake = FakeSlack()
    await fake.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'h.db'}", "SLACK_BOT_TOKEN": "xoxb-hostile",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url, "TRADECHECK_OFFLINE": "1"}
    port = free_port()
    log = work / "serve.log"
    server = start_server(code, port, env, log, 0.1)
    url = f"http://127.0.0.1:{port}/slack/events"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        async with httpx.AsyncClient(timeout=600) as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", server)
            before = peak_mb(server.pid)
            timings: dict[str, list[float]] = {"unsigned": [], "bad signature": []}
            codes: dict[str, list[int]] = {"unsigned": [], "bad signature": []}
            for kind, count in (("unsigned", 50), ("bad signature", 20)):
                for _ in range(count):
                    headers = form if kind == "unsigned" else {**form, **sign("payload=other")}
                    began = time.perf_counter()
                    try:
                        answer = (await http.post(url, content=b"payload=x", headers=headers)).status_code
                    except httpx.HTTPError as error:
                        answer = type(error).__name__  # type: ignore[assignment]
                    timings[kind].append(time.perf_counter() - began)
                    codes[kind].append(answer)

            async def stream() -> AsyncIterator[bytes]:
                chunk = b"A" * 1_000_000
                for _ in range(args.megabytes):
                    yield chunk

            for kind, kwargs in (("streamed", {"content": stream(), "headers": {**form, **sign("x")}}),
                                 ("declared", {"content": stream(), "headers": {**form, **sign("x"),
                                                                                "Content-Length": str(args.megabytes * 10**6)}})):
                began = time.perf_counter()
                try:
                    response = await http.post(url, **kwargs)
                    status = str(response.status_code)
                except httpx.HTTPError as error:
                    status = type(error).__name__
                timings[kind] = [time.perf_counter() - began]
                codes[kind] = [status]  # type: ignore[list-item]
            # time to the answer, not to the end of the upload: a raw connection that declares 400 MB,
            # sends 1 MB and reads what the server says
            began = time.perf_counter()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    f"Content-Length: {args.megabytes * 10**6}\r\n\r\n").encode()
            writer.write(head + b"A" * 1_000_000)
            await writer.drain()
            try:
                status_line = await asyncio.wait_for(reader.readline(), 30)
                answer = status_line.decode().split(" ")[1] if status_line else "closed"
            except TimeoutError:  # the server waits for the rest of the body before answering
                answer = "no answer in 30 s"
            timings["declared, to answer"] = [time.perf_counter() - began]
            codes["declared, to answer"] = [answer]  # type: ignore[list-item]
            writer.close()
            after = peak_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        await fake.stop()
    text = log.read_text(errors="replace")
    print(f"code: {code}")
    for kind, values in timings.items():
        print(f"  {kind:14s} answers {sorted(set(map(str, codes[kind])))}: p50 {statistics.median(values) * 1000:.1f} ms, "
              f"max {max(values) * 1000:.1f} ms ({len(values)} requests)")
    print("  (streamed/declared: until the client finished or gave up its upload; 'to answer': until the status line)")
    print(f"  server peak memory: {before:.0f} MB before, {after:.0f} MB after the {args.megabytes} MB bodies")
    print(f"  tracebacks in the server log: {text.count('Traceback')}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", default=str(ROOT))
    parser.add_argument("--megabytes", type=int, default=400)
    sys.exit(asyncio.run(main(parser.parse_args())))
