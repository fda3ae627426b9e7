"""`python -m bot.monitor`: the monitor's ticker alone (a worker process), or one list-update rescreen."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os

from storage import jobs as jobstore

from . import current
from .config import MonitorConfig
from .service import Monitor


def _setup(monitor: Monitor, target: str) -> None:
    """Call `module:function` (default `setup`) with the monitor: a test platform, extra handlers."""
    module, _, function = target.partition(":")
    getattr(importlib.import_module(module), function or "setup")(monitor)


async def _worker(monitor: Monitor, args: argparse.Namespace) -> int:
    from .. import lists_sync, platforms

    if args.setup:
        _setup(monitor, args.setup)
    config = monitor.config
    config.job_lease_seconds = args.lease
    config.outbox_lease_seconds = args.lease
    config.plan_every_seconds = args.interval if args.plan else float("inf")
    config.batch = args.batch
    platforms.register_deliverers(monitor.deliverers, monitor.runtime.settings)
    lists_sync.enable(monitor.runtime.screening, await asyncio.to_thread(monitor.database))
    monitor.start_ticker(args.interval)
    try:
        while True:
            await asyncio.sleep(args.interval)
            if args.exit_when_idle and await asyncio.to_thread(monitor.idle):
                return 0
    finally:
        monitor.stop_ticker()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.monitor", description="Run the monitor's ticker alone.")
    parser.add_argument("--worker", action="store_true", help="tick until stopped")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between ticks")
    parser.add_argument("--lease", type=float, default=jobstore.LEASE_SECONDS, help="lease of a claimed job, seconds")
    parser.add_argument("--batch", type=int, default=MonitorConfig.batch, help="jobs (and messages) taken per tick")
    parser.add_argument("--no-plan", dest="plan", action="store_false", help="only run jobs already planned")
    parser.add_argument("--exit-when-idle", action="store_true", help="stop when nothing is due here")
    parser.add_argument("--setup", help="module:function called with the monitor first (registers deliverers, handlers)")
    parser.add_argument("--lists-updated", action="store_true", help="screen watched cases against the lists now")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .. import logs

    logs.configure(os.environ.get("TRADECHECK_LOG", "WARNING").upper())
    monitor = current()
    if args.lists_updated:
        print(asyncio.run(monitor.after_lists_update()))
        return 0
    if not args.worker:
        parser().print_help()
        return 2
    return asyncio.run(_worker(monitor, args))
