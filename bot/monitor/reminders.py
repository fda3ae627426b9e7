"""Approval reminders: tell the case's conversations that an approval is still waiting, up to
MAX_REMINDERS times, `reminder_hours` apart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from checks.i18n import normalize_lang, t
from storage import jobs as jobstore
from storage.models import Approval, Case, CaseStatus, User, aware, utcnow

from .config import MAX_REMINDERS, REMINDER
from .messages import JobResult, day, enqueue_message, messages_for_case

if TYPE_CHECKING:
    from .service import Monitor


def _build(monitor: Monitor, job: jobstore.ClaimedJob) -> JobResult:
    approval_id, n = job.payload.get("approval"), int(job.payload.get("n", 1))
    hours = monitor.reminder_hours()
    with monitor.database().session() as session:
        approval = session.get(Approval, approval_id)
        case = session.get(Case, approval.case_id) if approval else None
        if approval is None or case is None or case.id is None or approval.decision is not None \
                or case.status != CaseStatus.PENDING_APPROVAL.value:
            return JobResult(note="decided or withdrawn")
        requester = session.get(User, approval.requested_by_id) if approval.requested_by_id else None
        lang = normalize_lang((requester.lang if requester else None) or monitor.runtime.default_lang())
        requested = aware(approval.requested_at) or utcnow()
        waited = int((utcnow() - requested).total_seconds() // 3600)
        level = t(f"level.{case.last_risk_level}", lang) if case.last_risk_level else "?"
        text = t("monitor.reminder", lang, id=case.id, name=case.name or f"#{case.id}", who=approval.requested_by,
                 when=day(approval.requested_at), hours=waited, level=level)
        messages = messages_for_case(session, case.id, job.dedup_key, text)
        case_id = case.id

    def finalize(session: Session) -> None:
        for message in messages:
            enqueue_message(session, message)
        if n < MAX_REMINDERS:  # the next one `hours` later (not at once when this one ran late)
            due = max(requested + timedelta(hours=hours * (n + 1)), utcnow() + timedelta(hours=hours))
            jobstore.enqueue(session, REMINDER, f"remind:{approval_id}:{n + 1}", due, case_id=case_id,
                             payload={"approval": approval_id, "n": n + 1})

    return JobResult(messages=messages, note=f"reminder {n} to {len(messages)} conversation(s)", finalize=finalize)


async def run_reminder(monitor: Monitor, job: jobstore.ClaimedJob) -> JobResult:
    """Remind the case's conversations of an approval nobody decided; up to MAX_REMINDERS times."""
    return await asyncio.to_thread(_build, monitor, job)
