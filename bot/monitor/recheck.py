"""The scheduled re-check: check the case again, compare with the check before, tell its
conversations what changed (once), and plan the next one."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from checks.diff import Change, diff_reports
from checks.i18n import t
from checks.models import Report
from storage import audit, watch
from storage import cases as casestore
from storage import jobs as jobstore
from storage.models import Case, CheckRun, Workspace, aware, utcnow

from .config import RECHECK
from .messages import JobResult, day, enqueue_message, messages_for_case

if TYPE_CHECKING:
    from .service import Monitor

log = logging.getLogger(__name__)


def _baseline(session: Session, case_id: int, run_id: int | None) -> CheckRun | None:
    if run_id is not None:
        return session.get(CheckRun, run_id)
    runs = casestore.runs(session, case_id, 1)
    return runs[0] if runs else None


def _prepare(monitor: Monitor, job: jobstore.ClaimedJob) -> tuple[str | None, Any]:
    """Why not to re-check (not watched, superseded, never checked), else (case, the check before, workspace)."""
    case_id = job.case_id
    assert case_id is not None
    with monitor.database().session() as session:
        case = session.get(Case, case_id)
        if case is None or not case.watching:
            return "not watched any more", None
        planned = aware(case.next_recheck_at)
        if planned is not None and planned.date() != job.due_at.date() and planned > job.due_at:
            return f"superseded by the re-check due {planned.date()}", None
        if not case.last_request:
            return "nothing to re-check", None
        baseline = _baseline(session, case_id, job.payload.get("baseline_run"))
        workspace = session.get(Workspace, case.workspace_id)
        return None, (case, baseline, workspace.key if workspace else "local")


async def run_recheck(monitor: Monitor, job: jobstore.ClaimedJob) -> JobResult:
    """Check the case again, compare with the check before, tell its conversations what changed."""
    case_id = job.case_id
    assert case_id is not None
    skip, found = await asyncio.to_thread(_prepare, monitor, job)
    if skip:
        return JobResult(note=skip)
    case, baseline, workspace = found
    if baseline is not None and "baseline_run" not in job.payload:
        # a later attempt (after a crash) must compare with the same check, not with our own re-check
        await asyncio.to_thread(jobstore.set_payload, monitor.database(), job, {**job.payload, "baseline_run": baseline.id})
    outcome = await monitor.runtime.monitoring.recheck_case(case_id, workspace, engine=monitor.config.engine)
    report: Report = outcome.report
    changes: list[Change] = []
    if baseline is not None:
        try:
            changes = diff_reports(Report.model_validate(baseline.report), report, report.lang)
        except ValueError:  # a report stored by a much older version: nothing to compare with, say nothing
            log.warning("case %s: the check before cannot be read; no comparison", case_id)
    since = day(baseline.created_at) if baseline is not None else "?"
    lang = report.lang

    def finalize(session: Session) -> None:
        known = watch.announced_hits(session, case_id, aware(baseline.created_at) if baseline else None)
        told = [c for c in changes if not (c.kind == "sanctions.new" and c.key in known)]
        run = casestore.runs(session, case_id, 1)
        audit.record(session, "recheck_done", actor="system:monitor", actor_name="tradecheck", case_id=case_id,
                     workspace_id=case.workspace_id,
                     details={"job": job.dedup_key, "since": since, "baseline_run": baseline.id if baseline else None,
                              "check_run": run[0].id if run else None, "risk": report.risk.level.value,
                              "changes": [c.model_dump(mode="json") for c in changes],
                              "told": [c.key for c in told]})
        if told:
            lines = "\n".join(f"• {c.text}" for c in told)
            text = t("monitor.changed", lang, since=since, id=case_id, name=case.name or f"#{case_id}") + "\n" + lines
            for message in messages_for_case(session, case_id, job.dedup_key, text):
                enqueue_message(session, message)
        schedule_next(monitor, session, case_id, job, report)

    return JobResult(note=f"{len(changes)} change(s)", finalize=finalize)


def schedule_next(monitor: Monitor, session: Session, case_id: int, job: jobstore.ClaimedJob, report: Report) -> None:
    """The next re-check: the same number of days if a person chose it, else the policy's for the new level."""
    days = job.payload.get("days")
    days = int(days) if isinstance(days, (int, float)) and days > 0 else monitor.recheck_days(report.risk.level.value)
    due = max(utcnow(), job.due_at) + timedelta(days=days)  # from when this one ran (or was due, if later)
    case = session.get(Case, case_id)
    if case is None or not case.watching:
        return
    planned = aware(case.next_recheck_at)
    if planned is not None and planned > job.due_at + timedelta(days=1):
        return  # someone scheduled another date meanwhile: theirs stands
    watch.set_next_recheck(session, case_id, due)
    payload = {"days": days} if job.payload.get("days") else {}
    jobstore.enqueue(session, RECHECK, jobstore.recheck_key(case_id, due), due, case_id=case_id, payload=payload)
