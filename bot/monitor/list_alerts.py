"""After a list update: screen every watched case again against the current lists and alert each
NEW hit at once in the case's conversations (then re-check the whole case now)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checks.diff import hit_params
from checks.engine import CheckContext
from checks.i18n import normalize_lang, t
from checks.models import Finding, Report
from checks.request import CheckRequest
from storage import audit, watch
from storage import cases as casestore
from storage.models import utcnow

from ..app.clears import entry_fingerprint
from .messages import enqueue_message, messages_for_case
from .planner import enroll_watched_cases, queue_recheck_now

if TYPE_CHECKING:
    from checks.config import Settings
    from checks.screening.service import Screener, ScreeningService

    from .service import Monitor

log = logging.getLogger(__name__)


class Screening:
    """The product's sanctions source over a given screener (the freshly loaded lists, or a test's own),
    else over the runtime's screening service."""

    def __init__(self, screener: Screener | None, settings: Settings | None = None,
                 screening: ScreeningService | None = None) -> None:
        from checks.sources.sanctions import SanctionsSource

        self.source = SanctionsSource(settings, screening=screening, screener=screener)

    async def hits(self, request: CheckRequest, lang: str) -> list[Finding]:
        findings = await self.source.run(request, CheckContext.for_lang(lang))
        return [f for f in findings if f.code == "sanctions.hit" and f.data.get("source_id") not in (None, "")]


@dataclass
class Watched:
    id: int
    workspace_id: int
    name: str
    request: dict[str, Any]
    known: set[str]  # `<source>:<id>` of the hits its last check had or an alert told
    cleared: set[tuple[str, str, str]]  # (source, id, entry fingerprint) a person cleared


def _hit_key(data: dict[str, Any]) -> str:
    return f"{data.get('source', '')}:{data.get('source_id')}"


def watched_cases(monitor: Monitor) -> list[Watched]:
    """Every watched case with a request (enrolling the newly checked ones first)."""
    with monitor.database().session() as session:
        enroll_watched_cases(monitor, session, utcnow())
        session.commit()
        out = []
        for case in watch.watched_cases(session):
            assert case.id is not None
            last = casestore.runs(session, case.id, 1)
            known = set()
            if last:
                report = Report.model_validate(last[0].report)
                known = {_hit_key(f.data) for f in report.findings() if f.code == "sanctions.hit"}
            known |= {k.removeprefix("sanctions:") for k in watch.announced_hits(session, case.id)}
            cleared = {(c.source, c.source_id, c.fingerprint) for c in casestore.clears(session, case.id)}
            out.append(Watched(case.id, case.workspace_id, case.name, dict(case.last_request or {}), known, cleared))
    return out


def _is_new(watched: Watched, finding: Finding) -> bool:
    data = finding.data
    return (_hit_key(data) not in watched.known
            and (str(data.get("source", "")), str(data.get("source_id")), entry_fingerprint(data)) not in watched.cleared)


async def after_lists_update(monitor: Monitor, screener: Screener | None = None) -> int:
    """Screen every watched case again against the current lists; alert each NEW hit at once.

    Returns the number of alerts raised (one per case and new list entry). Idempotent: a second call
    with the same lists raises none. Without `screener`, the runtime's screening service reloads the lists.
    """
    service = None
    if screener is None:
        service = monitor.runtime.screening
        service.reset()
    screening = Screening(screener, monitor.runtime.settings, service)
    alerts = 0
    for watched in await asyncio.to_thread(watched_cases, monitor):
        try:
            request = CheckRequest.model_validate(watched.request)
        except ValueError:  # pydantic ValidationError included
            log.warning("case %s: stored request unreadable, not screened", watched.id)
            continue
        lang = normalize_lang(request.lang)
        new = [f for f in await screening.hits(request, lang) if _is_new(watched, f)]
        if new:
            alerts += await asyncio.to_thread(_alert, monitor, watched, new, lang)
    return alerts


def _alert(monitor: Monitor, watched: Watched, hits: list[Finding], lang: str) -> int:
    raised = 0
    with monitor.database().session() as session:
        for finding in hits:
            source, source_id = str(finding.data.get("source", "")), str(finding.data.get("source_id"))
            fingerprint = entry_fingerprint(finding.data)
            key = f"listhit:{watched.id}:{source}:{source_id}:{fingerprint[-16:]}"
            text = t("monitor.list_alert", lang, id=watched.id, name=watched.name or f"#{watched.id}",
                     line=t("diff.sanctions.new", lang, **hit_params(finding)))
            for message in messages_for_case(session, watched.id, key, text):
                enqueue_message(session, message)
            audit.record(session, watch.LIST_ALERT, actor="system:monitor", actor_name="tradecheck", case_id=watched.id,
                         workspace_id=watched.workspace_id,
                         details={"source": source, "source_id": source_id, "fingerprint": fingerprint,
                                  "entry": finding.data.get("listed_name"), "score": finding.data.get("score"),
                                  "query": finding.data.get("query"), "key": key})
            raised += 1
        if raised:  # the whole check again now, not at the next scheduled date: level, status, approval
            queue_recheck_now(session, watched.id, utcnow())
        session.commit()
    return raised
