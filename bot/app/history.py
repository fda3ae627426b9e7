"""`/history ACME` and `/cases`: what the team knows, as text blocks an adapter shows as they are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks.i18n import normalize_lang, t
from checks.request import CheckRequest, RequestError
from storage import cases as case_store
from storage.buyers import BuyerKeys, buyer_keys
from storage.models import Case

from .checking import keys_of
from .text import date_text, level_name
from .types import Actor

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
