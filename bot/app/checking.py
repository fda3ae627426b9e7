"""Checking a buyer: parse the request, run every source, store the check in its buyer's case, build the card.

A stored check joins the case of the same buyer (its history goes into the report, so the scorer
sees it; the matches a manager cleared are applied before scoring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checks.engine import ProgressCallback
from checks.i18n import normalize_lang, t
from checks.models import Finding, Report
from checks.request import CheckRequest, RequestError, parse

from ..card import CaseInfo, build_card
from .clears import apply_clears
from .scoring import Scoring
from .types import Actor, CheckOutcome, Conversation

# storage (SQLAlchemy, about a second to import) is imported where a check is stored, never for a dry run
if TYPE_CHECKING:
    from checks.engine import Engine
    from storage.buyers import BuyerKeys
    from storage.db import Database

    from .runtime import Runtime


def keys_of(request: CheckRequest) -> BuyerKeys:
    """What identifies the buyer of a request (name, country, domains, identifiers)."""
    from storage.buyers import buyer_keys

    return buyer_keys(request.company, request.country, email=request.email, site=request.site,
                      lei=request.lei, vat=request.vat, reg=request.reg)


def describe_error(error: RequestError, lang: str) -> str:
    """A bad request, explained in the user's language with an example."""
    return t(error.key, lang, **error.params) + "\n" + t("request.example", lang)


def describe_request(request: CheckRequest) -> list[str]:
    """What the parser understood, shown before the card (paste mode, ignored keys)."""
    lang = request.lang or "en"
    lines: list[str] = []
    if request.pasted and request.extracted:
        found = "; ".join(f"{t('request.extracted.' + key, lang)}: {', '.join(values)}"
                          for key, values in request.extracted.items())
        lines.append(t("request.extracted", lang) + " — " + found)
    if request.ignored:
        lines.append(t("request.ignored", lang, keys=", ".join(request.ignored)))
    if request.country_input:
        lines.append(t("request.country_unknown", lang, country=request.country_input))
    if request.lang_input:
        lines.append(t("request.lang_unavailable", lang, language=request.lang_input))
    return lines


@dataclass
class _Prior:
    """What the database knows before the check: the case it joins, its history and its clears."""

    case_id: int | None
    history: list[Finding] = field(default_factory=list)
    clears: list[Any] = field(default_factory=list)


class CheckingService:
    """`/check`, the Re-check button and the scheduler's re-checks."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime
        self._scoring = Scoring(runtime)

    # --- the request ------------------------------------------------------------------------------
    def default_lang(self) -> str:
        """The team's language (TRADECHECK_LANG), for users who chose none."""
        return self._rt.default_lang()

    def parse_now(self, text: str, lang: str | None = None) -> CheckRequest:
        """Parse on the calling thread (blocking CPU work; `parse` runs it off the loop)."""
        request = parse(text, default_lang=lang or self.default_lang())
        request.lang = normalize_lang(request.lang)
        return request

    async def parse(self, text: str, lang: str | None = None) -> CheckRequest:
        """Parse `/check` text off the event loop (a long paste takes tens of ms of CPU). Raises RequestError."""
        from .. import offloop

        return await offloop.run_parse(self._rt.parse_pool, self.parse_now, text, lang)

    describe_error = staticmethod(describe_error)
    describe_request = staticmethod(describe_request)

    # --- the engine -------------------------------------------------------------------------------
    def engine(self, offline: bool | None = None) -> Engine:
        return self._rt.engine(offline)

    async def warm_up(self, offline: bool | None = None) -> None:
        """Share list versions through the database, and let the engine's slow-to-load sources (the
        sanctions index) start loading in the background now."""
        from .. import lists_sync

        database = await self._rt.ready_database()
        lists_sync.enable(self._rt.screening, database)
        for source in self._rt.engine(offline).sources:
            start = getattr(source, "warm_up", None)  # optional Source hook
            if callable(start):
                start()

    # --- running a check --------------------------------------------------------------------------
    async def run_check(
        self,
        text: str | CheckRequest,
        actor: Actor,
        conversation: Conversation | None = None,
        *,
        lang: str | None = None,
        persist: bool = True,
        offline: bool | None = None,
        engine: Engine | None = None,
        on_progress: ProgressCallback | None = None,
        case_id: int | None = None,
    ) -> CheckOutcome:
        """Parse, run every source, store the check in its buyer's case, and build the card.

        Raises RequestError for bad input and DatabaseNotReady when the schema is behind. With
        `persist=False` (a dry run) the database is not touched. `case_id` re-checks that case.
        `engine` overrides the runtime's engine for this one check (the monitor's test engine).
        """
        if lang is None and persist and not isinstance(text, CheckRequest):
            lang = await self._rt.chat.get_user_lang(actor)
        if isinstance(text, CheckRequest):
            request = text.model_copy()
            request.lang = normalize_lang(lang or request.lang or self.default_lang())
        else:
            request = await self.parse(text, lang)
        engine = engine or self._rt.engine(offline)
        if not persist:
            report = await engine.run(request, on_progress=on_progress)
            self._scoring.mark_approval(report)
            return CheckOutcome(request=request, report=report,
                                card=build_card(report, settings=self._rt.card_settings))

        database = await self._rt.ready_database()
        keys = keys_of(request)
        report_lang = normalize_lang(request.lang)
        prior = await self._rt.offload(self._prior, database, actor, keys, case_id, report_lang)
        report = await engine.run(request, on_progress=on_progress, extra_findings=prior.history)
        changed, realerts = apply_clears(report, prior.clears, report_lang)
        from .findings import fill_now

        if changed:
            self._scoring.score(engine, report)
        self._scoring.mark_approval(report)
        fill_now(report, report_lang)
        info = await self._rt.offload(self._store, database, actor, keys, request, report, case_id, realerts,
                                      conversation)
        return CheckOutcome(request=request, report=report, card=build_card(report, info, settings=self._rt.card_settings),
                            case=info)

    async def recheck(self, case_id: int, actor: Actor, conversation: Conversation | None = None, *,
                      lang: str | None = None, engine: Engine | None = None,
                      on_progress: ProgressCallback | None = None) -> CheckOutcome:
        """Run the case's last request again (a button, or the scheduler) and store it in the same case.
        Raises `storage.cases.Refused` when the case is not the actor's team's or was never checked."""
        from storage import cases as case_store

        database = await self._rt.ready_database()

        def load() -> dict[str, Any] | None:
            with database.session() as session:
                return case_store.case_in_workspace(session, case_id, actor.workspace).last_request

        last = await self._rt.offload(load)
        if not last:
            raise case_store.Refused("flows.refused.nothing_to_recheck", id=case_id)
        request = CheckRequest.model_validate(last)
        return await self.run_check(request, actor, conversation, lang=lang or request.lang, engine=engine,
                                    on_progress=on_progress, case_id=case_id)

    # --- database work (worker threads) -----------------------------------------------------------
    @staticmethod
    def _prior(database: Database, actor: Actor, keys: BuyerKeys, case_id: int | None, lang: str) -> _Prior:
        """Read-only: the case this check will join (if any), its history and its cleared matches."""
        from storage import cases as case_store
        from storage.models import Case

        from .findings import history_findings

        with database.session() as session:
            ws = case_store.workspace(session, actor.workspace)
            session.commit()
            case: Case | None
            if case_id is not None:
                case = case_store.case_in_workspace(session, case_id, actor.workspace)
            else:
                assert ws.id is not None
                found = case_store.find_case(session, ws.id, keys)
                case = found[0] if found else None
            if case is None:
                return _Prior(None)
            if case_store.expire_approval(session, case):
                session.commit()
            history = case_store.history(session, case)
            return _Prior(case.id, history_findings(history, lang), history.clears)

    @staticmethod
    def _store(database: Database, actor: Actor, keys: BuyerKeys, request: CheckRequest, report: Report,
               case_id: int | None, realerts: list[dict[str, str]], conversation: Conversation | None) -> CaseInfo:
        from storage import cases as case_store
        from storage import chatstate
        from storage.models import Case

        from .casecards import case_info

        saved = case_store.save_check(
            database, actor, keys, request=request.model_dump(mode="json"), report=report.model_dump(mode="json"),
            risk_level=None if report.pending else report.risk.level.value, score=report.risk.score,
            approval_required=report.risk.approval_required, lists_as_of=dict(report.lists_as_of), case_id=case_id,
            decision=None if report.pending else report.decision.code.value,
        )
        with database.session() as session:
            case = session.get(Case, saved.case.id)
            assert case is not None and case.id is not None
            for realert in realerts:
                case_store.audit.record(session, "match_realerted", actor=case_store.SYSTEM.key,
                                        actor_name=case_store.SYSTEM.label, case_id=case.id,
                                        workspace_id=case.workspace_id, details=realert)
            if conversation is not None:
                chatstate.link(session, case.id, conversation.platform, conversation.workspace, conversation.channel,
                               conversation.thread, conversation.message)
            info = case_info(session, case, report, report.lang)
            session.commit()
        return info
