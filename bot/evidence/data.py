"""The evidence pack's data: everything the team did and found about one case, as plain JSON.

This is what a credit insurer, a bank or an auditor asks for ("what did you check before you
shipped?"). The renderers (HTML, PDF) only lay it out; the SHA-256 printed at the end of the pack
is over `canonical(data)`, and the same data is embedded in the file, so anyone can recompute it.

The hash is stable for the same case: the data holds no export time and leaves out the export
events themselves (`evidence_exported`, `audit_exported`), which say something about the pack,
not about the buyer. Who exported and when is printed outside the hashed data, and every export
is in the audit trail the next pack shows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from storage import audit, cases
from storage.models import Case, Workspace, aware

FORMAT = "tradecheck-evidence-pack"
VERSION = 1
EXPORT_ACTIONS = frozenset({"evidence_exported", "audit_exported"})
REQUEST_FIELDS = ("company", "email", "site", "phone", "country", "vat", "lei", "reg", "persons", "bank",
                  "bank_country", "transit_country", "hs", "goods", "origin", "note", "raw_text")
# How the parser read the text, not what the buyer claimed: left out.
PARSER_FIELDS = frozenset({"lang", "pasted", "extracted", "ignored", "country_input", "lang_input"})


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return aware(value).astimezone(UTC).isoformat()  # type: ignore[union-attr]
    return value.isoformat()


def _plain(value: Any) -> Any:
    """JSON-safe (dates as ISO strings) so the canonical form never depends on a default= hook."""
    return json.loads(json.dumps(value, default=lambda v: _iso(v) if isinstance(v, (datetime, date)) else str(v),
                                 ensure_ascii=False))


def canonical(data: dict[str, Any]) -> bytes:
    """The bytes the hash is over: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def claimed(request: dict[str, Any]) -> dict[str, Any]:
    """Every field the salesperson gave, in the request's own words (empty ones left out)."""
    out: dict[str, Any] = {}
    for key in REQUEST_FIELDS:
        value = request.get(key)
        if value not in (None, "", [], {}):
            out[key] = value
    for key, value in sorted(request.items()):  # fields added later by other work, kept too
        if key not in out and key not in REQUEST_FIELDS and key not in PARSER_FIELDS \
                and value not in (None, "", [], {}) and isinstance(value, (str, int, float, list)) \
                and not isinstance(value, bool):
            out[key] = value
    return out


def _finding(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "section": raw.get("section"), "code": raw.get("code"), "status": raw.get("status"),
        "severity": raw.get("severity"), "title": raw.get("title", ""), "detail": raw.get("detail", ""),
        "evidence": [
            {"source": e.get("source"), "url": e.get("url"), "retrieved_at": e.get("retrieved_at")}
            for e in raw.get("evidence") or []
        ],
    }


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    sections = report.get("sections") or {}
    return [_finding(f) for key in ("verification", "profile", "history", "risk") for f in sections.get(key) or []]


def _matches(report: dict[str, Any]) -> list[dict[str, Any]]:
    from ..app.clears import entry_fingerprint

    found = []
    for raw in (report.get("sections") or {}).get("risk") or []:
        if raw.get("code") not in ("sanctions.hit", "sanctions.possible"):  # strong and possible matches
            continue
        data = raw.get("data") or {}
        found.append({
            "source": data.get("source"), "source_id": str(data.get("source_id")),
            "listed_name": data.get("listed_name") or data.get("name"), "list": data.get("list"),
            "programs": list(data.get("programs") or []), "score": data.get("score"),
            "strength": data.get("strength"), "query": data.get("query"), "reasons": list(data.get("reasons") or []),
            "entity_type": data.get("entity_type"), "countries": list(data.get("countries") or []),
            "url": next((e.get("url") for e in raw.get("evidence") or [] if e.get("url")), None),
            "cleared": bool(data.get("cleared")), "cleared_by": data.get("cleared_by"),
            "fingerprint": entry_fingerprint(data),
            # one finding per listed party across lists (12a): each list entry behind it, when given
            "lists": list(data.get("lists") or []), "entries": list(data.get("entries") or []),
            "listed_on": data.get("listed_on"), "matched_alias": data.get("matched_alias"),
        })
    return found


def _run(run: Any) -> dict[str, Any]:
    report = run.report or {}
    risk = report.get("risk") or {}
    return {
        "id": run.id, "at": _iso(run.created_at), "by": run.actor_name, "actor": run.actor, "platform": run.platform,
        "claimed": claimed(run.request or {}), "lang": report.get("lang"),
        "risk": {"level": run.risk_level, "score": run.score, "approval_required": run.approval_required,
                 "factors": [{"code": f.get("code"), "points": f.get("points"), "reason": f.get("reason")}
                             for f in risk.get("factors") or []],
                 "payment_terms": list(risk.get("payment_terms") or []), "confidence": risk.get("confidence")},
        "decision": {k: (report.get("decision") or {}).get(k) for k in ("code", "reason", "action", "rule", "codes")},
        "verdict": report.get("verdict"), "verdict_reasons": list(report.get("verdict_reasons") or []),
        "lists_as_of": dict(sorted((run.lists_as_of or report.get("lists_as_of") or {}).items())),
        "sources": [{"name": s.get("name"), "status": s.get("status"), "elapsed_ms": s.get("elapsed_ms"),
                     "detail": s.get("detail", "")} for s in report.get("sources") or []],
        "findings": _findings(report),
        "matches": _matches(report),
        "warnings": list(report.get("warnings") or []),
    }


def collect(session: Session, case: Case) -> dict[str, Any]:
    """The pack's data for a case (oldest first everywhere, as an auditor reads a file)."""
    assert case.id is not None
    history = cases.history(session, case, run_limit=100_000)
    workspace = session.get(Workspace, case.workspace_id)
    runs = [_run(r) for r in reversed(history.runs)]
    latest = runs[-1] if runs else None
    cleared = {(c.source, c.source_id): c for c in reversed(history.clears)}  # the latest clear of each entry wins
    matches = [dict(m) for m in latest["matches"]] if latest else []
    for match in matches:
        clear = cleared.get((match["source"], match["source_id"]))
        if clear is not None and not match["cleared"] and clear.fingerprint == match["fingerprint"]:
            # cleared after the last check ran, for the entry as that check saw it
            match.update(cleared=True, cleared_by=clear.cleared_by)
    events = [e for e in audit.as_dicts(audit.events_for_case(session, case.id)) if e["action"] not in EXPORT_ACTIONS]
    data: dict[str, Any] = {
        "format": FORMAT, "version": VERSION,
        "case": {
            "id": case.id, "workspace": workspace.key if workspace else None, "name": case.name,
            "country": case.country, "status": case.status, "domains": list(case.domains or []),
            "identifiers": dict(sorted((case.identifiers or {}).items())), "opened_at": _iso(case.created_at),
            "opened_by": case.created_by, "risk": case.last_risk_level, "score": case.last_score,
            "last_checked_at": _iso(case.last_checked_at),
        },
        "claimed": latest["claimed"] if latest else claimed(case.last_request or {}),
        "check_runs": runs,
        "screening": {
            "lists": dict(sorted((latest or {}).get("lists_as_of", {}).items())),
            "matches": matches,
            "cleared": [
                {"source": c.source, "source_id": c.source_id, "listed_name": c.entry_name,
                 "fingerprint": c.fingerprint, "by": c.cleared_by, "at": _iso(c.created_at), "reason": c.reason}
                for c in reversed(history.clears)
            ],
        },
        "decision": latest["decision"] if latest else None,
        "risk": latest["risk"] if latest else None,
        "approvals": [
            {"id": a.id, "requested_by": a.requested_by, "requested_at": _iso(a.requested_at),
             "risk_when_requested": a.risk_level, "decision": a.decision, "decided_by": a.decided_by,
             "decided_at": _iso(a.decided_at), "reason_code": a.reason_code, "reason": a.reason_text,
             "expires_at": _iso(a.expires_at)}
            for a in reversed(history.approvals)
        ],
        "notes": [{"id": n.id, "by": n.author, "at": _iso(n.created_at), "text": n.text} for n in reversed(history.notes)],
        "trade_records": [
            {"kind": r.kind, "date": _iso(r.date), "amount": str(r.amount) if r.amount is not None else None,
             "currency": r.currency, "status": r.status, "reference": r.reference, "days_overdue": r.days_overdue}
            for r in reversed(history.trade)
        ],
        "audit": [{"id": e["id"], "at": e["at"], "actor": e["actor"], "actor_name": e["actor_name"],
                   "action": e["action"], "details": e["details"]} for e in events],
    }
    return _plain(data)
