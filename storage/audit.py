"""The audit trail: append-only events for every check, decision, note, role change, cleared match
and export. This module has `record` and readers only — there is deliberately no update or delete
function anywhere in the code, and database triggers (migration 0001) refuse UPDATE and DELETE.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from .models import AuditEvent, aware

# Every action name written to the trail, with its meaning (kept in one place for auditors).
ACTIONS = {
    "case_opened": "a check of a new buyer opened the case",
    "check": "a check ran and was stored as a check run",
    "approval_requested": "someone asked a manager to approve the buyer",
    "escalated": "someone escalated a STOP case (sanctions, embargo, impersonation) to compliance",
    "rescored": "a cleared match re-scored the case's last check at once (level, score, decision)",
    "approved": "a manager approved the buyer (four eyes: never their own request)",
    "rejected": "a manager rejected the buyer, with a reason",
    "approval_expired": "an approval reached its expiry date; the case needs approval again",
    "approval_invalidated": "a new check found a higher risk than the approved one",
    "approval_needed": "a check at or above the policy's approval level: the case waits for approval",
    "approval_not_needed": "a new check is below the approval level and nobody had asked: the case is open again",
    "note_added": "someone added a note",
    "match_cleared": "a manager marked a sanctions match as not this buyer",
    "match_realerted": "a cleared match's list entry changed, so it alerts again",
    "role_changed": "an admin changed a user's role",
    "recheck_scheduled": "a re-check was scheduled",
    "watch_stopped": "re-checks of the case were stopped",
    "recheck_done": "a scheduled re-check ran; details keep the full list of changes since the check before",
    "list_alert": "a list update brought a new sanctions hit for a watched case; an alert was sent",
    "trade_imported": "trade records were imported from a CSV file",
    "audit_exported": "the audit trail of a case was exported",
    "evidence_exported": "an evidence pack (HTML or PDF) of a case was exported; details keep its SHA-256",
}


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    actor_name: str = "",
    case_id: int | None = None,
    workspace_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the session (committed with the change it describes)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        workspace_id=workspace_id, case_id=case_id, actor=actor, actor_name=actor_name, action=action,
        details=json.loads(json.dumps(details or {}, default=str)),
    )
    session.add(event)
    return event


def events_for_case(session: Session, case_id: int) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.at), col(AuditEvent.id))
    return list(session.exec(statement))


def as_dicts(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id, "at": aware(e.at).isoformat() if e.at else None, "case_id": e.case_id, "actor": e.actor,
            "actor_name": e.actor_name, "action": e.action, "details": e.details,
        }
        for e in events
    ]


def to_csv(events: Iterable[AuditEvent]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "at", "case_id", "actor", "actor_name", "action", "details"])
    for row in as_dicts(events):
        writer.writerow([
            row["id"], row["at"], row["case_id"], row["actor"], row["actor_name"], row["action"],
            json.dumps(row["details"], ensure_ascii=False, sort_keys=True),
        ])
    return buffer.getvalue()
