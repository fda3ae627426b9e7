"""The monitor's speed: re-screening every watched case after a list update, and job throughput.

Run by hand: ``python benchmarks/monitor.py [--cases 2000] [--url DATABASE_URL]`` (N = --cases for both parts).
Default database: a fresh SQLite file in a temporary folder (PostgreSQL: pass ``--url``; its tables are
emptied first, so never point it at real data).

1. `after_lists_update` over N watched cases against the lists as loaded (bundled snapshot or
   downloaded): index build time, then screening time per case. Every case is stored like a real
   check (case, check run, conversation link); a few carry names of listed entities so alerts are
   written too.
2. N approval reminders claimed, run and delivered (to a null platform) by one process: jobs per
   second through claim → handler → outbox → send.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = ("Golden", "Ocean", "Star", "United", "Pacific", "Prime", "Global", "Sun", "Eagle", "Royal", "Green", "Delta",
         "Nova", "Crown", "Silver", "Atlas", "Orient", "Falcon", "Lotus", "Summit")
KINDS = ("Trading", "Textiles", "Logistics", "Machinery", "Foods", "Chemicals", "Electronics", "Metals")
FORMS = ("LLC", "FZE", "Ltd", "GmbH", "Co., Ltd", "S.A.")


def _prepare(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    from bot.settings import reload_settings

    reload_settings()
    from storage import db as storage_db

    database = storage_db.get_database(url)
    if database.dialect == "postgresql":
        from sqlalchemy import text
        from sqlmodel import SQLModel

        import storage.models  # noqa: F401

        database.upgrade()
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # the audit trail refuses TRUNCATE
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        database.upgrade()


def _cases(n: int, listed: list[str]) -> None:
    from storage.db import get_database
    from storage.models import Approval, Case, CaseStatus, CheckRun, ConversationLink, Workspace, utcnow

    with get_database(os.environ["DATABASE_URL"]).session() as session:
        ws = Workspace(key="local", name="local")
        session.add(ws)
        session.flush()
        for i in range(n):
            name = listed[i // 97] if i % 97 == 0 and i // 97 < len(listed) else \
                f"{WORDS[i % 20]} {WORDS[(i // 20) % 20]} {KINDS[i % 8]} {FORMS[i % 6]}"
            request = {"company": name, "country": "AE", "lang": "en", "persons": []}
            case = Case(workspace_id=ws.id, name=name, status=CaseStatus.PENDING_APPROVAL.value, watching=True,  # type: ignore[arg-type]
                        next_recheck_at=utcnow() + timedelta(days=90), last_request=request, last_risk_level="medium",
                        last_checked_at=utcnow())
            session.add(case)
            session.flush()
            session.add(CheckRun(case_id=case.id, workspace_id=ws.id, request=request,  # type: ignore[arg-type]
                                 report={"subject": {"name": name}, "sections": {}}))
            session.add(ConversationLink(case_id=case.id, platform="null", workspace="local", channel=f"c{i}",  # type: ignore[arg-type]
                                         message=f"m{i}"))
            session.add(Approval(case_id=case.id, requested_by="bench", requested_at=utcnow() - timedelta(hours=30)))  # type: ignore[arg-type]
        session.commit()


class NullDeliverer:
    platform = "null"

    async def deliver(self, conversation, text, card=None):  # type: ignore[no-untyped-def]
        return "ok"


async def _run_jobs(n: int) -> tuple[int, float]:
    from bot import monitor

    monitor.register_deliverer(NullDeliverer())
    monitor.current().config.batch = 50
    planned = monitor.plan_due_work()
    started = time.perf_counter()
    done = 0
    while True:
        result = await monitor.tick()
        done += result["jobs"]
        if result["jobs"] == 0 and result["sent"] == 0:
            break
    return planned, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tradecheck-bench-")
    url = args.url or f"sqlite:///{folder}/bench.db"
    _prepare(url)

    from bot.settings import get_bot_settings
    from checks.screening.service import ScreeningService

    started = time.perf_counter()
    screener = ScreeningService(get_bot_settings().lists_dir).screener()
    build = time.perf_counter() - started
    listed = [e.primary_name for e in screener.matcher.index.entities if e.type.value == "organization"][:50]
    _cases(args.cases, listed)

    from bot import monitor

    started = time.perf_counter()
    alerts = asyncio.run(monitor.after_lists_update_async(screener))
    took = time.perf_counter() - started
    print(f"lists: {', '.join(f'{i.source} {i.as_of} ({i.count})' for i in screener.lists)}")
    print(f"index build: {build:.1f} s ({len(screener.matcher.index.names)} names)")
    print(f"after_lists_update: {args.cases} watched cases in {took:.2f} s "
          f"({took / args.cases * 1000:.2f} ms per case), {alerts} alerts written")

    planned, took = asyncio.run(_run_jobs(args.cases))
    print(f"reminders: {planned} jobs planned, claimed, run and delivered in {took:.2f} s "
          f"({planned / took:.0f} jobs/s, one process, {url.split(':', 1)[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
