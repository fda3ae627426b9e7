"""`/history ACME` and `/cases`: what the team knows, as text blocks an adapter shows as they are;
and the lists a home screen (Slack's App Home) shows: a person's open cases and the approval queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from checks.i18n import normalize_lang, t
from checks.lifecycle import decision_rank, level_rank
from checks.request import CheckRequest, RequestError
from storage import cases as case_store
from storage import chatstate
from storage.buyers import BuyerKeys, buyer_keys
from storage.models import Case, aware, utcnow

from .checking import keys_of
from .text import date_text, level_name
from .types import Actor, Conversation

if TYPE_CHECKING:
    from .runtime import Runtime


def case_line(session: Any, case: Case, lang: str) -> str:
    """One case: name, country, status, its last check, its decision and its last note."""
    assert case.id is not None
    parts = [t("flows.history.case", lang, id=case.id, name=case.name or "?", country=case.country or "—",
               status=t(f"case.status.{case.status}", lang))]
    last = case_store.runs(session, case.id, 1)
    if last:
        parts.append(t("flows.history.last_check", lang, when=date_text(last[0].created_at), who=last[0].actor_name,
                       level=level_name(last[0].risk_level, lang), score=last[0].score or 0,
                       n=case_store.count_runs(session, case.id)))
    decided = case_store.latest_decision(session, case.id)
    if decided is not None:
        parts.append(t(f"flows.history.decision.{decided.decision}", lang, who=decided.decided_by,
                       when=date_text(decided.decided_at), reason=decided.reason_text or t("flows.no_reason", lang)))
    notes = case_store.notes(session, case.id)
    if notes:
        parts.append(t("flows.history.last_note", lang, who=notes[0].author, text=notes[0].text[:200]))
    return "\n   ".join(parts)


OPEN_STATUSES = ("pending_approval", "open", "watch")
MAX_LISTED = 15


@dataclass(frozen=True)
class CaseSummary:
    """One case in a list. Rows of the approval queue also say who asked, how long ago, and where
    the case's cards were posted (oldest first), so the list can link to the card."""

    id: int
    name: str
    status: str
    level: str | None
    checked: datetime | None
    decision: str | None = None
    requested_by: str = ""
    waiting_hours: float = 0.0
    cards: tuple[Conversation, ...] = ()


@dataclass(frozen=True)
class OpenCases:
    """What a home screen lists. `approvals` is None when the person may not decide (not asked for)."""

    mine: list[CaseSummary]
    approvals: list[CaseSummary] | None


class Queued(Protocol):
    """What `queue_order` reads (a `CaseSummary`, or an adapter's own row)."""

    @property
    def decision(self) -> str | None: ...
    @property
    def level(self) -> str | None: ...
    @property
    def waiting_hours(self) -> float: ...


def queue_order(case: Queued) -> tuple[int, int, float]:
    """The approval queue: STOP first, then the higher level, then the one waiting longest (unknown last)."""
    return (-decision_rank(case.decision), -level_rank(case.level), -case.waiting_hours)


def _summary(case: Case, session: Any = None) -> CaseSummary:
    """The case's row; with a session, also its open approval request and where its cards are."""
    assert case.id is not None
    row = CaseSummary(id=case.id, name=case.name, status=case.status, level=case.last_risk_level,
                      checked=case.last_checked_at, decision=case.last_decision)
    if session is None:
        return row
    pending = case_store.open_request(session, case.id)
    requested_by, waiting = "", 0.0
    if pending is not None:
        requested_by = pending.requested_by
        waiting = (utcnow() - aware(pending.requested_at)).total_seconds() / 3600
    cards = tuple(Conversation(link.platform, link.workspace, link.channel, thread=link.thread, message=link.message)
                  for link in chatstate.links(session, case.id) if link.message)
    return CaseSummary(id=row.id, name=row.name, status=row.status, level=row.level, checked=row.checked,
                       decision=row.decision, requested_by=requested_by, waiting_hours=waiting, cards=cards)


class HistoryService:
    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    def _keys(self, query: str, lang: str) -> BuyerKeys:
        try:
            request = self._rt.checking.parse_now(query, lang)
        except RequestError:
            request = CheckRequest(site=query) if "." in query and " " not in query else CheckRequest(company=query[:300])
        keys = keys_of(request)
        compact = "".join(ch for ch in query if ch.isalnum()).upper()
        if len(compact) >= 8 and any(ch.isdigit() for ch in compact) and " " not in query.strip():
            by_id = buyer_keys(lei=compact, vat=compact)  # `/history DE123456789`, `/history 5493001KJTIIGC8Y1R12`
            keys = BuyerKeys(keys=keys.keys + by_id.keys, name=keys.name, normalized_name=keys.normalized_name,
                             base_name=keys.base_name, country=keys.country, domains=keys.domains,
                             identifiers=keys.identifiers)
        return keys

    async def history_text(self, query: str, actor: Actor, lang: str) -> list[str]:
        """`/history ACME`: the matching cases of the actor's team, with their last checks and decisions."""
        lang = normalize_lang(lang)
        query = (query or "").strip()
        if not query:
            return [t("flows.history.usage", lang)]
        database = await self._rt.ready_database()

        def read() -> list[str]:
            keys = self._keys(query, lang)
            lines: list[str] = []
            with database.session() as session:
                ws = case_store.workspace(session, actor.workspace)
                session.commit()
                assert ws.id is not None
                for case in case_store.search_cases(session, ws.id, query, keys):
                    case_store.expire_approval(session, case)
                    lines.append(case_line(session, case, lang))
                session.commit()
            return lines

        lines = await self._rt.offload(read)
        return lines or [t("flows.history.none", lang, query=query[:100])]

    async def cases_text(self, actor: Actor, lang: str, status: str | None = None, limit: int = 20) -> list[str]:
        """`/cases`: the team's most recently active cases, one block each."""
        lang = normalize_lang(lang)
        database = await self._rt.ready_database()

        def read() -> list[str]:
            with database.session() as session:
                return [case_line(session, case, lang)
                        for case in case_store.list_cases(session, actor.workspace, status, limit)]

        return await self._rt.offload(read)

    async def open_cases(self, actor: Actor, *, approvals: bool, limit: int = MAX_LISTED) -> OpenCases:
        """The open cases of the actor's team that this person checked (most recently active first),
        and with `approvals` the team's approval queue (requested approvals in `queue_order`)."""
        database = await self._rt.ready_database()

        def read() -> OpenCases:
            mine: list[CaseSummary] = []
            queue: list[CaseSummary] = []
            with database.session() as session:
                for status in OPEN_STATUSES:
                    for case in case_store.list_cases(session, workspace_key=actor.workspace, status=status, limit=100):
                        assert case.id is not None
                        if approvals and status == "pending_approval":
                            queue.append(_summary(case, session))
                        if len(mine) < limit and any(run.actor == actor.key
                                                     for run in case_store.runs(session, case.id, limit=20)):
                            mine.append(_summary(case))
            waiting = sorted((row for row in queue if row.requested_by), key=queue_order)[:limit]
            return OpenCases(mine=mine, approvals=waiting if approvals else None)

        return await self._rt.offload(read)
