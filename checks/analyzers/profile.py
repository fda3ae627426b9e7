"""The Profile section: what the sources say about who the buyer is — legal name, status, age,
address, size, parent — each fact with the sources that state it.

Sources put their facts in `finding.data["facts"]`; this analyzer gathers them, so a fact two
registries agree on is shown once with both as evidence, and a disagreement is visible.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ..domains import name_similarity
from ..engine import Analyzer, CheckContext
from ..models import Evidence, Finding, Report, Section, Severity, Status
from ..request import CheckRequest

# fact key in the sources' data -> profile line
FACTS = ("legal_name", "status", "founded", "address", "employees", "parent", "ultimate_parent", "registry_id", "industry")


class ProfileAnalyzer(Analyzer):
    name = "profile"

    def __init__(self, today: date | None = None) -> None:
        self.today = today

    def analyze(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        gathered: dict[str, list[tuple[Any, Evidence]]] = {key: [] for key in FACTS}
        for finding in report.findings():
            facts = finding.data.get("facts")
            if not isinstance(facts, dict) or not finding.evidence:
                continue
            for key in FACTS:
                value = facts.get(key)
                if value not in (None, "", [], {}):
                    gathered[key].append((value, finding.evidence[0]))
        today = self.today or datetime.now(UTC).date()
        for key in FACTS:
            values = gathered[key]
            if not values:
                continue
            shown = _distinct(key, values)
            first = shown[0][0]
            text = _render(key, first, today)
            sources = sorted({e.source for _, e in values})
            if len(shown) > 1:
                detail = "; ".join(f"{e.source}: {_render(key, v, today)}" for v, e in shown)
                agree = False
            else:
                detail = ctx.t("profile.sources", sources=", ".join(sources))
                agree = True
            report.sections.add(Finding(
                code=f"profile.{key}", status=Status.INFO, severity=Severity.INFO, section=Section.PROFILE,
                title=ctx.t(f"profile.{key}", value=text), detail=detail,
                evidence=_unique_evidence([e for _, e in values]),
                data={"value": first, "values": [{"source": e.source, "value": v} for v, e in values], "agree": agree},
            ))


def _distinct(key: str, values: list[tuple[Any, Evidence]]) -> list[tuple[Any, Evidence]]:
    """Values that really differ (names compared like screening does, dates by year)."""
    kept: list[tuple[Any, Evidence]] = []
    for value, evidence in values:
        same = False
        for other, _ in kept:
            if key in ("legal_name", "parent", "ultimate_parent"):
                same = name_similarity(str(value), str(other)) >= 90
            elif key == "founded":
                same = str(value)[:4] == str(other)[:4]
            else:
                same = str(value).strip().lower() == str(other).strip().lower()
            if same:
                break
        if not same:
            kept.append((value, evidence))
    return kept


def _render(key: str, value: Any, today: date) -> str:
    if key == "founded":
        try:
            founded = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        years = today.year - founded.year - ((today.month, today.day) < (founded.month, founded.day))
        return f"{founded.isoformat()} ({years} y)"
    if key == "employees" and isinstance(value, (int, float)):
        return f"{int(value):,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _unique_evidence(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for evidence in items:
        key = (evidence.source, evidence.url)
        if key not in seen:
            seen.add(key)
            out.append(evidence)
    return out
