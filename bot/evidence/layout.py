"""The pack's layout, once for both formats: headings, paragraphs and tables in the reader's language.

The HTML and PDF writers only draw these blocks, so the two files cannot say different things.
Texts are plain (never markup): each writer escapes them its own way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from checks.countries import name_of
from checks.i18n import has, translator
from checks.screening.explain import list_title


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str
    small: bool = False
    mono: bool = False


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)  # relative column widths (PDF)


Block = Heading | Para | Table


@dataclass
class Meta:
    """What is printed outside the hashed data: who exported, when."""

    exported_by: str
    exported_at: str


def when(value: str | None) -> str:
    """'2026-12-06T10:31:02.123+00:00' → '2026-12-06 10:31:02' (all times in the pack are UTC)."""
    if not value:
        return "—"
    return value.replace("T", " ")[:19]


def build(data: dict[str, Any], lang: str, meta: Meta) -> tuple[str, list[Block]]:
    """The title and the blocks of the pack."""
    t = translator(lang)
    case = data["case"]
    title = t("evidence.title", id=case["id"], name=case["name"] or "?")
    blocks: list[Block] = [
        Para(t("evidence.intro")),
        Para(t("evidence.meta", workspace=case["workspace"] or "—", status=t(f"case.status.{case['status']}"),
               opened=when(case["opened_at"]), by=case["opened_by"] or "—", when=when(meta.exported_at),
               who=meta.exported_by), small=True),
    ]
    runs = data["check_runs"]
    latest = runs[-1] if runs else None

    # 1. the buyer as claimed
    blocks.append(Heading(t("evidence.section.claimed")))
    blocks.append(_claimed_table(data["claimed"], t, lang))
    if latest:
        blocks.append(Para(t("evidence.claimed.from", id=latest["id"], when=when(latest["at"]), who=latest["by"]),
                           small=True))

    # 2. decision and risk
    blocks.append(Heading(t("evidence.section.decision")))
    if latest is None:
        blocks.append(Para(t("evidence.no_checks")))
    else:
        decision = data.get("decision") or {}
        code = decision.get("code")
        blocks.append(Para(t("evidence.decision.label", decision=_decision(code, t))))
        for key in ("reason", "action", "rule"):
            if decision.get(key):
                blocks.append(Para(t(f"evidence.decision.{key}", **{key: decision[key]})))
        risk = data.get("risk") or {}
        blocks.append(Para(t("evidence.risk.label", level=_level(risk.get("level"), t), score=risk.get("score", "—"))))
        factors = risk.get("factors") or []
        if factors:
            blocks.append(Heading(t("evidence.risk.factors"), 3))
            blocks.append(Table([t("evidence.col.points"), t("evidence.col.reason"), t("evidence.col.code")],
                                [[f"{f['points']:+d}" if isinstance(f.get("points"), int) else str(f.get("points")),
                                  f.get("reason") or "", f.get("code") or ""] for f in factors], [1, 7, 3]))
        for line in risk.get("payment_terms") or []:
            blocks.append(Para("• " + line))

    # 3. screening
    screening = data["screening"]
    blocks.append(Heading(t("evidence.section.screening")))
    blocks.append(Heading(t("evidence.lists.title"), 3))
    lists = screening.get("lists") or {}
    blocks.append(Table([t("evidence.col.list"), t("evidence.col.as_of")],
                        [[list_title(k, t), str(v)] for k, v in lists.items()], [3, 2])
                  if lists else Para(t("evidence.none")))
    blocks.append(Heading(t("evidence.matches.title"), 3))
    matches = screening.get("matches") or []
    if matches:
        blocks.append(Table(
            [t("evidence.col.listed_name"), t("evidence.col.list"), t("evidence.col.programs"), t("evidence.col.score"),
             t("evidence.col.why"), t("evidence.col.state")],
            [[m.get("listed_name") or "", m.get("list") or list_title(m.get("source") or "", t),
              ", ".join(m.get("programs") or []) or "—", _score(m.get("score")),
              "; ".join(m.get("reasons") or []) + (f" — {m['url']}" if m.get("url") else ""),
              t("evidence.match.cleared") + (f" ({m['cleared_by']})" if m.get("cleared_by") else "")
              if m.get("cleared") else t("evidence.match.open")] for m in matches],
            [3, 3, 2, 1, 5, 2]))
    else:
        blocks.append(Para(t("evidence.matches.none")))
    blocks.append(Heading(t("evidence.cleared.title"), 3))
    cleared = screening.get("cleared") or []
    blocks.append(Table(
        [t("evidence.col.listed_name"), t("evidence.col.list"), t("evidence.col.who"), t("evidence.col.when"),
         t("evidence.col.reason")],
        [[c.get("listed_name") or "", f"{list_title(c.get('source') or '', t)} {c.get('source_id')}",
          c.get("by") or "", when(c.get("at")), c.get("reason") or ""] for c in cleared], [3, 2, 2, 2, 4])
        if cleared else Para(t("evidence.none")))

    # 4. approvals and notes
    blocks.append(Heading(t("evidence.section.approvals")))
    blocks.append(Heading(t("evidence.approvals.title"), 3))
    approvals = data.get("approvals") or []
    blocks.append(Table(
        [t("evidence.col.requested"), t("evidence.col.decision"), t("evidence.col.decided"), t("evidence.col.reason")],
        [[f"{a.get('requested_by') or '—'} · {when(a.get('requested_at'))} · {_level(a.get('risk_when_requested'), t)}",
          t(f"evidence.approval.{a.get('decision') or 'pending'}"),
          f"{a.get('decided_by') or '—'} · {when(a.get('decided_at'))}" if a.get("decision") else "—",
          " · ".join(x for x in (a.get("reason_code"), a.get("reason")) if x) or "—"] for a in approvals],
        [3, 2, 3, 4]) if approvals else Para(t("evidence.none")))
    blocks.append(Heading(t("evidence.notes.title"), 3))
    notes = data.get("notes") or []
    blocks.append(Table([t("evidence.col.when"), t("evidence.col.who"), t("evidence.col.what")],
                        [[when(n.get("at")), n.get("by") or "", n.get("text") or ""] for n in notes], [2, 2, 7])
                  if notes else Para(t("evidence.none")))

    # 5. every check run
    blocks.append(Heading(t("evidence.section.runs")))
    if not runs:
        blocks.append(Para(t("evidence.no_checks")))
    for run in runs:
        blocks.append(Heading(t("evidence.run.title", id=run["id"], when=when(run["at"]), who=run["by"] or run["actor"],
                                platform=run["platform"] or "—"), 3))
        verdict = run.get("verdict") or "unknown"
        blocks.append(Para(t("evidence.run.summary", level=_level(run["risk"].get("level"), t),
                             score=run["risk"].get("score", "—"), decision=_decision(run["decision"].get("code"), t),
                             verdict=t(f"verdict.{verdict}") if has(f"verdict.{verdict}") else verdict), small=True))
        blocks.append(_claimed_table(run["claimed"], t, lang))
        blocks.append(Table(
            [t("evidence.col.source"), t("evidence.col.status"), t("evidence.col.elapsed"), t("evidence.col.details")],
            [[s.get("name") or "", s.get("status") or "", str(s.get("elapsed_ms") or 0), s.get("detail") or ""]
             for s in run["sources"]], [2, 2, 1, 6]))
        blocks.append(Table(
            [t("evidence.col.status"), t("evidence.col.finding"), t("evidence.col.evidence")],
            [[_status(f.get("status"), t), _finding_text(f), _evidence_text(f)] for f in run["findings"]], [1, 6, 4]))

    # 6. audit trail
    blocks.append(Heading(t("evidence.section.audit")))
    events = data.get("audit") or []
    blocks.append(Table(
        [t("evidence.col.when"), t("evidence.col.who"), t("evidence.col.action"), t("evidence.col.details")],
        [[when(e.get("at")), e.get("actor_name") or e.get("actor") or "", _action(e.get("action") or "", t),
          json.dumps(e.get("details") or {}, ensure_ascii=False, sort_keys=True)] for e in events], [2, 2, 2, 6])
        if events else Para(t("evidence.none")))
    return title, blocks


def _claimed_table(claimed: dict[str, Any], t: Any, lang: str) -> Table:
    rows = []
    for key, value in claimed.items():
        label = t(f"evidence.field.{key}") if has(f"evidence.field.{key}") else key
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        if key in ("country", "bank_country", "origin") and isinstance(value, str) and len(value) == 2:
            text = f"{name_of(value, lang)} ({value})"
        rows.append([label, text])
    return Table([t("evidence.col.field"), t("evidence.col.value")], rows, [2, 7])


def _decision(code: str | None, t: Any) -> str:
    return t(f"evidence.decision.{code}") if code and has(f"evidence.decision.{code}") else t("evidence.decision.none")


def _level(level: str | None, t: Any) -> str:
    return t(f"level.{level}") if level and has(f"level.{level}") else "—"


def _status(status: str | None, t: Any) -> str:
    return t(f"evidence.status.{status}") if status and has(f"evidence.status.{status}") else str(status)


def _action(action: str, t: Any) -> str:
    """'approved (approved)', '批准 (approved)': the reader's word and the stable code auditors search for."""
    return f"{t(f'evidence.action.{action}')} ({action})" if has(f"evidence.action.{action}") else action


def _score(score: Any) -> str:
    return f"{score:.0%}" if isinstance(score, (int, float)) else "—"


def _finding_text(finding: dict[str, Any]) -> str:
    text = f"[{finding.get('code')}] {finding.get('title') or ''}"
    if finding.get("detail"):
        text += " — " + finding["detail"]
    return text


def _evidence_text(finding: dict[str, Any]) -> str:
    parts = []
    for e in finding.get("evidence") or []:
        part = e.get("source") or ""
        if e.get("url"):
            part += f" {e['url']}"
        if e.get("retrieved_at"):
            part += f" ({when(e['retrieved_at'])})"
        parts.append(part.strip())
    return "; ".join(parts) or "—"
