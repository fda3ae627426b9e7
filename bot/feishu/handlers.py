"""Feishu events → the flows → Feishu cards. The adapter: payload in, neutral card out, nothing more.

Messages (`im.message.receive_v1`): `/check …`, `/history …`, `/lang zh|en`, `/help`, and paste mode
(any other text is checked as a pasted inquiry), in a private chat or in a group when the bot is
@-mentioned. A check posts its card at once as a reply, patches it as sources answer (coalesced, at
most once a second: Feishu allows 5 updates a second per message) and once more when done.

Card callbacks (`card.action.trigger`): answered within Feishu's 3 seconds with a toast or, when
the button needs a reason, with the card itself carrying a form (an input and a submit button);
the work runs after the answer and patches the card in place. Who may press what is asked of the
flows before anything else (`can_perform`), and again by the flows when they act.

Every event and callback is acted on once, across processes: its id goes through
`flows.first_delivery` (the database) like Slack's deliveries.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from checks.engine import Engine, subject_of
from checks.i18n import normalize_lang, t
from checks.models import Report
from checks.request import CheckRequest, RequestError

from .. import flows, offloop
from ..card import ActionKind, Card, build_card
from ..progress import Coalescer
from ..render.feishu import (
    DEAL_FIELD,
    REASON_FIELD,
    ReasonForm,
    md,
    render_card,
    render_details,
    render_text,
)
from .api import FeishuApi, FeishuError
from .events import CardActionTriggered, MessageReceived
from .settings import FeishuSettings

log = logging.getLogger(__name__)

PLATFORM = "feishu"
_OPEN_ID = re.compile(r"^ou_[A-Za-z0-9_-]{1,80}$")
_COMMAND = re.compile(r"^/(\w+)(?:@\S+)?\s*(.*)$", re.DOTALL)
_REASON_KEYS = {
    ActionKind.REJECT: "feishu.reason.reject", ActionKind.ADD_NOTE: "feishu.reason.add_note",
    ActionKind.CLEAR_MATCH: "feishu.reason.clear_match", ActionKind.REQUEST_APPROVAL: "feishu.reason.request_approval",
    ActionKind.ESCALATE: "feishu.reason.escalate", ActionKind.APPROVE: "feishu.reason.approve",
}


async def off(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A blocking flow call on a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


def toast(text: str, kind: str = "info") -> dict[str, Any]:
    return {"toast": {"type": kind, "content": text[:200]}}


def mention(open_id: str) -> str:
    """An @-mention in card markdown (only a well-formed open_id is ever put in the tag)."""
    return f"<at id={open_id}></at> " if _OPEN_ID.match(open_id) else ""


class FeishuBot:
    """One Feishu app's event handling. `handle()` takes a verified event and returns the callback's
    answer (for card actions); the work it starts runs in tasks `drain()` waits for."""

    def __init__(self, api: FeishuApi, settings: FeishuSettings, *, engine: Engine | None = None,
                 progress_interval: float = 1.0) -> None:
        self.api = api
        self.settings = settings
        self.engine = engine
        self.progress_interval = progress_interval
        self._tasks: set[asyncio.Task[None]] = set()

    # --- plumbing ---------------------------------------------------------------------------
    def _spawn(self, work: Awaitable[None], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("feishu %s failed", what)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the work started by events (tests; a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _lang(self, actor: flows.Actor) -> str:
        return normalize_lang(await off(flows.get_user_lang, actor) or self.settings.lang)

    async def _actor(self, open_id: str, tenant: str) -> flows.Actor:
        return flows.Actor(platform=PLATFORM, user_id=open_id, name=await self.api.user_name(open_id),
                           workspace=tenant or "feishu")

    async def _say(self, chat_id: str, text: str, *, reply_to: str | None, to: str | None = None) -> None:
        """A short message as a card (escaped markdown), addressed to `to` when given."""
        card = render_text(text)
        if to:
            card["body"]["elements"][0]["content"] = mention(to) + card["body"]["elements"][0]["content"]
        try:
            await self.api.send_card(chat_id, card, reply_to=reply_to)
        except FeishuError as error:
            log.warning("could not post in %s: %s", chat_id, error)

    async def handle(self, event: MessageReceived | CardActionTriggered) -> dict[str, Any] | None:
        if not await off(flows.first_delivery, PLATFORM, f"event:{event.header.event_id}"):
            log.info("feishu event %s already handled: ignored", event.header.event_id)
            return {} if isinstance(event, CardActionTriggered) else None
        if isinstance(event, MessageReceived):
            self._spawn(self.on_message(event), "message")
            return None
        return await self.on_card_action(event)

    # --- messages ---------------------------------------------------------------------------
    async def on_message(self, event: MessageReceived) -> None:
        sender, message = event.event.sender, event.event.message
        if sender.sender_type != "user" or not sender.sender_id.open_id:
            return
        if message.chat_type != "p2p" and not message.mentions:
            return  # in a group the bot answers only when @-mentioned
        text = message.text()
        actor = await self._actor(sender.sender_id.open_id, event.header.tenant_key or sender.tenant_key)
        lang = await self._lang(actor)
        command = _COMMAND.match(text)
        name, rest = (command.group(1).lower(), command.group(2).strip()) if command else ("check", text)
        if name == "help" or not (rest or name != "check"):
            await self._say(message.chat_id, t("feishu.help", lang), reply_to=message.message_id)
        elif name == "lang":
            await self.set_lang(actor, rest, lang, message.chat_id, message.message_id)
        elif name == "history":
            lines = await off(flows.history_text, rest, actor, lang)
            await self._say(message.chat_id, "\n\n".join(lines)[:8000], reply_to=message.message_id)
        elif name == "check":
            await self.check(rest, actor, lang, message.chat_id, message.message_id, event.header.event_id)
        else:
            await self._say(message.chat_id, t("feishu.help", lang), reply_to=message.message_id)

    async def set_lang(self, actor: flows.Actor, value: str, lang: str, chat_id: str, reply_to: str) -> None:
        chosen = value.strip().lower()[:5]
        if chosen not in ("zh", "en"):
            await self._say(chat_id, t("feishu.lang.usage", lang, current=lang), reply_to=reply_to)
            return
        await off(flows.set_user_lang, actor, chosen)
        await self._say(chat_id, t("feishu.lang.set", chosen), reply_to=reply_to)

    async def check(self, text: str, actor: flows.Actor, lang: str, chat_id: str, reply_to: str, event_id: str) -> None:
        """Post the card, run the check with live updates, finish the card, remember where it is."""
        try:
            request = await offloop.parse_request(text, lang)
        except RequestError as error:
            await self._say(chat_id, flows.describe_error(error, lang), reply_to=reply_to)
            return
        engine = self.engine or await off(flows.get_engine)
        preface = flows.describe_request(request)
        card_id = await self.api.send_card(chat_id, render_card(placeholder(request, engine, request.lang or lang),
                                                                preface=preface),
                                           reply_to=reply_to, uuid=f"check-{event_id}")
        conversation = flows.Conversation(PLATFORM, actor.workspace, chat_id, thread=reply_to, message=card_id)
        updates: Coalescer[Card] = Coalescer(
            lambda card: self.api.update_card(card_id, render_card(card, preface=preface)), self.progress_interval)

        async def on_progress(report: Report) -> None:
            await updates.push(build_card(report))

        try:
            outcome = await flows.run_check(request, actor, conversation, lang=request.lang or lang, engine=engine,
                                            on_progress=on_progress)
        except Exception:
            log.exception("check failed for %s in %s", actor.key, chat_id)
            await updates.close()
            await self.api.update_card(card_id, render_text(t("feishu.error", lang)))
            return
        await updates.close(outcome.card)
        if outcome.case is not None:
            await off(flows.link_card, outcome.case.id, conversation)

    # --- card callbacks ---------------------------------------------------------------------
    async def on_card_action(self, event: CardActionTriggered) -> dict[str, Any]:
        """The callback's answer (within 3 s): a toast, or the card with a reason form."""
        data = event.event
        value = data.action.value or {}
        actor = await self._actor(data.operator.open_id, event.header.tenant_key or data.operator.tenant_key)
        lang = await self._lang(actor)
        try:
            kind, case_id = ActionKind(str(value.get("a"))), int(value.get("c"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return toast(t("feishu.button.stale", lang), "error")
        arg = str(value.get("g") or "")[:200]
        chat_id, message_id = data.context.open_chat_id, data.context.open_message_id
        conversation = flows.Conversation(PLATFORM, actor.workspace, chat_id, message=message_id)
        if not await off(flows.card_in_chat, case_id, conversation):
            log.warning("feishu button for case %s pressed in chat %s, where its card is not: refused", case_id, chat_id)
            return toast(t("feishu.button.other_chat", lang, id=case_id), "error")
        allowed, why = await off(flows.can_perform, actor, kind, case_id, lang)
        if not allowed:
            return toast(why, "error")
        if value.get("f"):  # the reason form was submitted
            form = data.action.form_value or {}
            reason = str(form.get(REASON_FIELD) or "").strip()[:1000]
            deal = str(form.get(DEAL_FIELD) or "").strip()[:300] or None
            if not reason:
                return toast(t("feishu.reason.placeholder", lang), "warning")
            self._spawn(self.act(kind, case_id, actor, lang, conversation, arg=arg, reason=reason, deal=deal,
                                 confirmed=kind is ActionKind.APPROVE), "action")
            return toast(t("feishu.button.working", lang))
        if kind in flows.MAY_NEED_REASON and await off(flows.needs_reason, kind, case_id, actor):
            return await self.reason_form(kind, case_id, actor, lang, arg)
        self._spawn(self.act(kind, case_id, actor, lang, conversation, arg=arg), "action")
        return toast(t("feishu.button.working", lang))

    async def reason_form(self, kind: ActionKind, case_id: int, actor: flows.Actor, lang: str,
                          arg: str) -> dict[str, Any]:
        """The card again, with a form asking the reason (a STOP approval also asks to confirm)."""
        shown = await off(flows.open_case, case_id, actor, lang)
        if not shown.ok or shown.card is None:
            return toast(shown.message or t("feishu.button.stale", lang), "error")
        stop = kind is ActionKind.APPROVE and shown.card.decision is not None and shown.card.decision.value == "stop"
        key = "feishu.reason.approve_stop" if stop else _REASON_KEYS.get(kind, "feishu.reason.other")
        form = ReasonForm(kind=kind, case_id=case_id, arg=arg, prompt=t(key, lang, case=case_id, match=arg),
                          ask_deal=kind is ActionKind.REQUEST_APPROVAL,
                          confirm=t("action.confirm_stop_approval", lang) if stop else "")
        return {"card": {"type": "raw", "data": render_card(shown.card, form=form)}}

    async def act(self, kind: ActionKind, case_id: int, actor: flows.Actor, lang: str,
                  conversation: flows.Conversation, *, arg: str = "", reason: str | None = None,
                  deal: str | None = None, confirmed: bool = False) -> None:
        """Run the action and show its result: the card patched in place, files and details as replies."""
        chat_id, card_id = conversation.channel, conversation.message or ""
        if kind is ActionKind.RECHECK:
            await self.recheck(case_id, actor, lang, conversation)
            return
        result = await flows.perform_action(kind, case_id, actor, arg=arg, reason=reason, deal=deal,
                                            confirmed=confirmed, lang=lang, conversation=conversation)
        if not result.ok:
            await self._say(chat_id, result.message, reply_to=card_id, to=actor.user_id)
            return
        if kind is ActionKind.DETAILS:
            pages = render_details(result.card) if result.card else []
            for page in pages[:5] or [render_text(t("feishu.details.none", lang))]:
                await self.api.send_card(chat_id, page, reply_to=card_id)
            return
        if result.attachment is not None:
            try:
                await self.api.send_file(chat_id, result.attachment.filename, result.attachment.content,
                                         reply_to=card_id)
            except FeishuError as error:
                log.warning("evidence pack upload failed: %s", error)
                await self._say(chat_id, t("feishu.upload_failed", lang), reply_to=card_id, to=actor.user_id)
                return
            if result.message:
                await self._say(chat_id, result.message, reply_to=card_id)
            return
        if result.card is not None and card_id:
            await self.api.update_card(card_id, render_card(result.card))
        line = result.announce or result.message
        if line:
            await self._say(chat_id, line, reply_to=card_id)

    async def recheck(self, case_id: int, actor: flows.Actor, lang: str, conversation: flows.Conversation) -> None:
        card_id = conversation.message or ""
        updates: Coalescer[Card] = Coalescer(lambda card: self.api.update_card(card_id, render_card(card)),
                                             self.progress_interval)

        async def on_progress(report: Report) -> None:
            await updates.push(build_card(report))

        try:
            outcome = await flows.recheck(case_id, actor, conversation, lang=lang, engine=self.engine,
                                          on_progress=on_progress)
        except flows.store.Refused as refused:
            await updates.close()
            await self._say(conversation.channel, t(refused.key, lang, **refused.params), reply_to=card_id,
                            to=actor.user_id)
            return
        await updates.close(outcome.card)
        await self._say(conversation.channel, t("flows.done.recheck", lang, id=case_id), reply_to=card_id)


def placeholder(request: CheckRequest, engine: Engine, lang: str) -> Card:
    """The card posted before any source answers: who is being checked and what is still running."""
    pending = [s.name for s in engine.sources if s.applicable(request)] or ["…"]
    return build_card(Report(subject=subject_of(request), lang=lang, pending=pending))


__all__ = ["PLATFORM", "FeishuBot", "md"]
