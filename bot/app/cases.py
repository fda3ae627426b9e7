"""Case actions: every button on a card, checked here, server-side, whatever the payload says
(roles, four eyes, the case's workspace), in one order: may this person press it, then the reason
if one is needed, then a confirmation for approving a STOP case, then the action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks import lifecycle
from checks.i18n import normalize_lang, t
from checks.models import Report
from storage import cases as case_store
from storage import chatstate
from storage.db import Database
from storage.models import Case, CaseStatus

from ..card import ActionKind, Card, hit_keys
from .casecards import card_for_case
from .clears import entry_fingerprint, entry_name, party_in_report
from .scoring import Scoring, is_stop
from .text import date_text, level_name
from .types import ActionResult, Actor, Conversation, Permission

if TYPE_CHECKING:
    from .runtime import Runtime

# Which actions need a typed reason, may need one, or take a deal: the case lifecycle's rules.
REASON_REQUIRED = lifecycle.REASON_REQUIRED
MAY_NEED_REASON = lifecycle.MAY_NEED_REASON
WITH_DEAL = lifecycle.WITH_DEAL


def refused_result(refused: case_store.Refused, lang: str, case_id: int | None) -> ActionResult:
    return ActionResult(ok=False, message=t(refused.key, lang, **refused.params), case_id=case_id)


class CaseService:
    """The buttons of a case's card, `/open N` and who may do what."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime
        self._scoring = Scoring(runtime)

    # --- who may do what --------------------------------------------------------------------------
    def _role(self, session: Any, actor: Actor) -> str:
        settings = self._rt.settings
        return chatstate.effective_role(session, actor.platform, actor.user_id, settings.managers, settings.compliance)

    async def role_of(self, actor: Actor) -> str:
        """sales, manager, compliance or admin (MANAGERS/COMPLIANCE settings and roles set by an admin)."""
        database = await self._rt.ready_database()

        def read() -> str:
            with database.session() as session:
                return self._role(session, actor)

        return await self._rt.offload(read, fast=True)

    @staticmethod
    def _refusal(session: Any, kind: ActionKind, case: Case, actor: Actor, role: str,
                 report: Report | None) -> case_store.Refused | None:
        """Why this person may not press this button on this case now (None: they may): the lifecycle's
        rules (`lifecycle.refusal`) on the case's facts, with the STOP decision of its current report."""
        assert case.id is not None
        pending = (case_store.open_request(session, case.id)
                   if case.status == CaseStatus.PENDING_APPROVAL.value else None)
        if kind is ActionKind.APPROVE and pending is None:  # another manager may have just decided it: say so
            session.refresh(case)
        person = case_store.find_user(session, actor.platform, actor.user_id) if pending is not None else None
        facts = lifecycle.CaseFacts(status=case.status, level=case.last_risk_level, stop=is_stop(report),
                                    open_request=pending is not None, id=case.id,
                                    own_request=pending is not None and person is not None
                                    and pending.requested_by_id == person.id)
        refused = lifecycle.refusal(kind, role, facts)
        return None if refused is None else case_store.Refused(refused, id=case.id)

    async def can_perform(self, actor: Actor, kind: ActionKind | str, case_id: int,
                          lang: str | None = None) -> Permission:
        """May `actor` press this button on this case? Said BEFORE asking for a reason.

        Every adapter asks this first; `perform_action` checks it again, whatever the payload says.
        """
        lang = normalize_lang(lang or self._rt.default_lang())
        try:
            kind = ActionKind(kind)
        except ValueError:
            return Permission(allowed=False, why=t("flows.refused.unknown_action", lang))
        database = await self._rt.ready_database()

        def check() -> Permission:
            with database.session() as session:
                try:
                    case = case_store.case_in_workspace(session, int(case_id), actor.workspace)
                except case_store.Refused as refused:
                    return Permission(allowed=False, why=t(refused.key, lang, **refused.params))
                assert case.id is not None
                role = self._role(session, actor)
                report = self._scoring.current_report(session, case.id) if kind is ActionKind.APPROVE else None
                why = self._refusal(session, kind, case, actor, role, report)
            if why is not None:
                return Permission(allowed=False, why=t(why.key, lang, **why.params))
            return Permission(allowed=True)

        return await self._rt.offload(check, fast=True)

    async def needs_reason(self, kind: ActionKind | str, case_id: int, actor: Actor) -> bool:
        """Whether pressing `kind` asks for a reason on this case now (approving high/critical/STOP does)."""
        return await self.reason_prompt(kind, case_id, actor) is not None

    async def reason_prompt(self, kind: ActionKind | str, case_id: int, actor: Actor) -> str | None:
        """What to ask for before acting: None (nothing, act at once), the action's value (its reason),
        or "approve_stop" (approving a STOP case: the reason also confirms it)."""
        kind = ActionKind(kind)
        if kind in lifecycle.REASON_REQUIRED:
            return kind.value
        if kind not in lifecycle.MAY_NEED_REASON:
            return None
        database = await self._rt.ready_database()

        def read() -> str | None:
            with database.session() as session:
                case = case_store.case_in_workspace(session, int(case_id), actor.workspace)
                assert case.id is not None
                stop = is_stop(self._scoring.current_report(session, case.id))
            if not lifecycle.needs_reason(kind, stop=stop, level=case.last_risk_level):
                return None
            return "approve_stop" if stop else kind.value

        return await self._rt.offload(read, fast=True)

    async def current_card(self, case_id: int, actor: Actor, lang: str) -> Card | None:
        """The case's card as it stands now (None: not the actor's team's case, or never checked)."""
        result = await self.open_case(case_id, actor, lang)
        return result.card if result.ok else None

    # --- /open N ----------------------------------------------------------------------------------
    async def open_case(self, case_id: int, actor: Actor, lang: str) -> ActionResult:
        """`/open N`: the case's card with its buttons."""
        lang = normalize_lang(lang)
        database = await self._rt.ready_database()

        def read() -> ActionResult:
            with database.session() as session:
                try:
                    case = case_store.case_in_workspace(session, int(case_id), actor.workspace)
                except case_store.Refused as refused:
                    return refused_result(refused, lang, case_id)
                card = card_for_case(self._scoring, session, case, lang, settings=self._rt.card_settings)
                session.commit()
            if card is None:
                return ActionResult(ok=False, message=t("flows.refused.nothing_to_recheck", lang, id=case_id),
                                    case_id=case_id)
            return ActionResult(ok=True, message="", card=card, case_id=case_id)

        return await self._rt.offload(read)

    # --- the buttons ------------------------------------------------------------------------------
    async def perform_action(
        self,
        kind: ActionKind | str,
        case_id: int | str,
        actor: Actor,
        *,
        arg: str = "",
        reason: str | None = None,
        deal: str | None = None,
        confirmed: bool = False,
        lang: str | None = None,
        conversation: Conversation | None = None,
    ) -> ActionResult:
        """One dispatcher for every button. Permissions are checked here, never trusted from the payload.

        Order: may this person press it (said at once), then the reason if one is needed
        (`needs_reason`), then a confirmation for approving a STOP case (`needs_confirm`), then the action.
        """
        lang = normalize_lang(lang or await self._rt.chat.user_lang(actor))
        try:
            kind = ActionKind(kind)
        except ValueError:
            return ActionResult(ok=False, message=t("flows.refused.unknown_action", lang),
                                case_id=case_id if isinstance(case_id, int) else None)
        try:
            number = int(case_id)
        except (TypeError, ValueError):
            return ActionResult(ok=False, message=t("flows.refused.not_found", lang, id=case_id))
        if kind is ActionKind.RECHECK:
            try:
                outcome = await self._rt.checking.recheck(number, actor, conversation, lang=lang)
            except case_store.Refused as refused:
                return refused_result(refused, lang, number)
            return ActionResult(ok=True, message=t("flows.done.recheck", lang, id=number), card=outcome.card,
                                case_id=number)
        database = await self._rt.ready_database()
        if kind is ActionKind.EVIDENCE_PACK:
            from ..evidence import chat as evidence_chat

            return await self._rt.offload(evidence_chat.pack_result, database, number, actor, lang)
        return await self._rt.offload(self._perform, database, kind, number, actor, arg, reason, lang, conversation,
                                      deal, confirmed)

    def _perform(self, database: Database, kind: ActionKind, case_id: int, actor: Actor, arg: str,
                 reason: str | None, lang: str, conversation: Conversation | None, deal: str | None = None,
                 confirmed: bool = False) -> ActionResult:
        announce: str | None = None
        clearing = kind is ActionKind.CLEAR_MATCH
        with database.session() as session:
            try:
                case = case_store.case_in_workspace(session, case_id, actor.workspace)
                assert case.id is not None
                role = self._role(session, actor)
                name = case.name or f"#{case.id}"
                # The report as it stands (clears count at once). Clearing a match scores it once, after the clear.
                report = self._scoring.current_report(session, case.id, score=not clearing)
                stop = is_stop(report)
                refusal = self._refusal(session, kind, case, actor, role, report)
                if refusal is not None:
                    raise refusal
                reason_needed = lifecycle.needs_reason(kind, stop=stop, level=case.last_risk_level)
                if reason_needed and not (reason or "").strip():
                    ask = "approve_stop" if kind is ActionKind.APPROVE and stop else kind.value
                    return ActionResult(ok=False, needs_reason=True, message=t(f"flows.ask.{ask}", lang),
                                        case_id=case_id, prompt=ask)
                if lifecycle.needs_confirm(kind, stop=stop) and not confirmed:
                    return ActionResult(ok=False, needs_confirm=True, case_id=case_id,
                                        message=t("flows.confirm.approve_stop", lang, id=case.id, name=name))
                if kind in (ActionKind.REQUEST_APPROVAL, ActionKind.ESCALATE):
                    case_store.request_approval(session, case, actor, reason=reason, deal=deal, stop=stop)
                    done = "escalate" if stop else "request_approval"
                    message = t(f"flows.done.{done}", lang, id=case.id)
                    announce = t(f"flows.announce.{done}", lang, who=actor.label, id=case.id, name=name,
                                 level=level_name(case.last_risk_level, lang), reason=(reason or "").strip())
                elif kind in (ActionKind.APPROVE, ActionKind.REJECT):
                    decision = "approve" if kind is ActionKind.APPROVE else "reject"
                    approval = case_store.decide(session, case, actor, role, decision, reason=reason,
                                                 reason_code=arg or None,
                                                 expiry_days=self._scoring.approval_expiry_days(),
                                                 stop=stop and decision == "approve",
                                                 reason_required=reason_needed, confirmed=confirmed)
                    message = t(f"flows.done.{decision}", lang, id=case.id,
                                until=date_text(approval.expires_at) if approval.expires_at else "—")
                    announce = t(f"flows.announce.{decision}", lang, who=actor.label, id=case.id, name=name,
                                 reason=approval.reason_text or t("flows.no_reason", lang))
                elif kind is ActionKind.ADD_NOTE:
                    case_store.add_note(session, case, actor, reason or "")
                    message = t("flows.done.add_note", lang, id=case.id)
                elif clearing:
                    entry = self._clear_match(session, case, actor, role, report, arg, reason)
                    message = t("flows.done.clear_match", lang, entry=entry, id=case.id)
                    announce = t("flows.announce.clear_match", lang, who=actor.label, entry=entry, id=case.id,
                                 reason=(reason or "").strip())
                elif kind is ActionKind.SCHEDULE_RECHECK:
                    try:
                        days = max(1, min(365, int(arg or 30)))
                    except ValueError:
                        days = 30
                    due = case_store.schedule_recheck(session, case, actor, days)
                    message = t("flows.done.schedule_recheck", lang, id=case.id, when=date_text(due))
                elif kind is ActionKind.STOP_WATCHING:
                    case_store.stop_watching(session, case, actor)
                    message = t("flows.done.stop_watching", lang, id=case.id)
                elif kind is ActionKind.DETAILS:
                    message = t("flows.done.details", lang, id=case.id)
                else:  # pragma: no cover - every ActionKind is handled above
                    raise case_store.Refused("flows.refused.unknown_action")
                session.commit()
            except case_store.Refused as refused:
                session.rollback()
                return refused_result(refused, lang, case_id)
            if conversation is not None:
                chatstate.link(session, case.id, conversation.platform, conversation.workspace, conversation.channel,
                               conversation.thread, conversation.message)
            if clearing:  # the report with the new clear applied, scored once for the card and the case
                report = self._scoring.current_report(session, case.id, score=False)
                if report is not None:
                    self._scoring.rescore_stored(report)
                    self._store_rescored(session, case, actor, report)
            card = card_for_case(self._scoring, session, case, lang, settings=self._rt.card_settings,
                                 details=kind is ActionKind.DETAILS, report=report)
            session.commit()
        return ActionResult(ok=True, message=message, card=card, case_id=case_id, announce=announce)

    @staticmethod
    def _clear_match(session: Any, case: Case, actor: Actor, role: str, report: Report | None, arg: str,
                     reason: str | None) -> str:
        """"Not this buyer": clear every list entry of the listed party the last check found (not the one
        a payload names). Returns the entry's name."""
        found = party_in_report(report, arg)
        if not found:
            raise case_store.Refused("flows.refused.no_such_match", match=arg[:100])
        entry = entry_name(found[0].data)
        for finding in found:
            for key in hit_keys(finding):
                source, _, source_id = key.partition(":")
                case_store.clear_match(session, case, actor, role, source=source, source_id=source_id,
                                       fingerprint=entry_fingerprint(finding.data), entry_name=entry, reason=reason)
        return entry

    @staticmethod
    def _store_rescored(session: Any, case: Case, actor: Actor, report: Report) -> None:
        """After "Not this buyer": the case's level and decision follow the re-scored report at once."""
        if report.pending:
            return
        assert case.id is not None
        before = (case.last_risk_level, case.last_score, case.last_decision)
        case.last_risk_level, case.last_score = report.risk.level.value, report.risk.score
        case.last_decision = report.decision.code.value
        asked = (case.status == CaseStatus.PENDING_APPROVAL.value
                 and case_store.open_request(session, case.id) is not None)
        move = lifecycle.after_check(case.status, risk_level=case.last_risk_level,
                                     approval_required=report.risk.approval_required, approved_level=None,
                                     has_approval=False, open_request=asked)
        if move is not None and move.event is lifecycle.Event.APPROVAL_NOT_NEEDED:  # a cleared match only lowers
            case.status = move.new
        session.add(case)
        case_store.audit.record(session, "rescored", actor=actor.key, actor_name=actor.label, case_id=case.id,
                                workspace_id=case.workspace_id,
                                details={"before": list(before), "after": [case.last_risk_level, case.last_score,
                                                                           case.last_decision]})
