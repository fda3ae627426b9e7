"""Feishu events → neutral events for the driver (bot/app/driver.py). Nothing else happens here.

Messages (`im.message.receive_v1`): `/check …`, `/history …`, `/lang zh|en`, `/help`, and paste mode
(any other text is checked as a pasted inquiry), in a private chat, or in a group when the bot is
@-mentioned. Card callbacks (`card.action.trigger`): a button press, or a reason form submitted.

Every event and callback is acted on once across processes: its id goes through the database, like
Slack's deliveries. A message's event id is *claimed* (`bot.app.checkjobs`); a `/check` is recorded
as a durable job (with the claim made final) before Feishu gets its answer, then runs in the
background. If the process dies mid-check, Feishu's retry of the same event, or any process's
resumer (`FeishuBot.jobs.resumer`, started by `tradecheck serve`), finishes the card already posted.
A card callback is answered within Feishu's 3 s with whatever the driver says first (see
`FeishuPort`); the rest of the work goes on after the answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import Any

from checks.i18n import normalize_lang, t
from checks.request import RequestError
from storage import chatstate

from ..app.checking import describe_error
from ..app.checkjobs import CheckJobs, CheckSpec
from ..app.driver import ButtonPress, CheckCommand, Driver, ReasonReply, new_ref
from ..app.services import RuntimeServices
from ..app.types import Actor, Conversation
from ..card import ActionKind
from ..render.feishu import DEAL_FIELD, REASON_FIELD, render_text
from .api import FeishuApi, FeishuError
from .events import CardActionTriggered, MessageReceived
from .port import FeishuPort, toast
from .settings import FeishuSettings

log = logging.getLogger(__name__)

PLATFORM = "feishu"
ANSWER_WAIT = 2.5  # seconds a card callback waits for the driver's first word (Feishu allows 3)
_COMMAND = re.compile(r"^/(\w+)(?:@\S+)?\s*(.*)$", re.S)


class FeishuBot:
    """One Feishu app: `handle()` takes a verified event and returns the card callback's answer; the
    work it starts runs in tasks `drain()` waits for. `services`: the entry point's runtime."""

    def __init__(self, api: FeishuApi, settings: FeishuSettings, services: RuntimeServices, *, engine: Any = None,
                 progress_interval: float = 1.0) -> None:
        self.api = api
        self.settings = settings
        self.app = services
        self.driver = Driver(app=self.app, engine=engine, progress_interval=progress_interval)
        self.jobs: CheckJobs[CheckSpec] = CheckJobs(services.runtime, self.driver, PLATFORM, self._job_port,
                                                    spec_type=CheckSpec)
        self._tasks: set[asyncio.Task[Any]] = set()

    def _job_port(self, spec: CheckSpec, actor: Actor) -> FeishuPort:
        """The port of a check job resumed by a process that never saw its message."""
        port = FeishuPort(self.api, self.app, actor, chat_id=spec.channel, lang=spec.lang, reply_to=spec.thread_ts)
        port.preface = self.app.describe_request(spec.the_request())  # the progress card's "understood" lines
        return port

    async def resumer(self) -> None:
        """Finishes the checks of processes that died (run by `tradecheck serve`)."""
        await self.jobs.resumer()

    def _spawn(self, work: Awaitable[Any], what: str) -> asyncio.Task[Any]:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("feishu %s failed", what)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait for the work started by events (tests; a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _actor(self, open_id: str, tenant: str) -> Actor:
        return Actor(platform=PLATFORM, user_id=open_id, name=await self.api.user_name(open_id),
                           workspace=tenant or PLATFORM)

    async def _lang(self, actor: Actor) -> str:
        """The language the person chose (`/lang`), else Feishu's default (Chinese unless FEISHU_LANG)."""
        return normalize_lang(await self.app.get_user_lang(actor, fast=True) or self.settings.lang)

    async def handle(self, event: MessageReceived | CardActionTriggered) -> dict[str, Any] | None:
        if isinstance(event, MessageReceived):
            await self.on_message_event(event)
            return None
        if not await self.app.first_delivery(PLATFORM, f"event:{event.header.event_id}"):
            log.info("feishu event %s already handled: ignored", event.header.event_id)
            return {}
        return await self.on_card_action(event)

    async def on_message_event(self, event: MessageReceived) -> None:
        """Claim the event id; a retry of an event whose check job's process died finishes it."""
        key = f"event:{event.header.event_id}"
        try:
            claim = await self.jobs.claim_delivery(key)
        except Exception:  # the database hiccuped: better a rare duplicate than a lost command
            log.warning("claiming feishu event %s failed; handling it", key, exc_info=True)
            claim = chatstate.DeliveryClaim(chatstate.CLAIMED)
        if claim.state != chatstate.CLAIMED:
            log.info("feishu event %s already handled (%s): ignored", event.header.event_id, claim.state)
            if claim.state == chatstate.DONE:  # its /check job may belong to a process that died: finish it now
                self._spawn(self.jobs.resume_one(key), "resumed check")
            return
        await self.on_message(event, (key, claim.owner))

    # --- messages ---------------------------------------------------------------------------
    async def on_message(self, event: MessageReceived, delivery: tuple[str, str | None] | None = None) -> None:
        """What the message asks. A check is recorded as a job (the delivery made final with it)
        before this returns and runs in the background; any other message makes the delivery final
        and is answered in the background."""
        key, owner = delivery or (f"nokey:{new_ref()}", None)
        sender, message = event.event.sender, event.event.message
        if sender.sender_type != "user" or not sender.sender_id.open_id or (
                message.chat_type != "p2p" and not message.mentions):  # in a group: only when @-mentioned
            await self.jobs.settle(key, owner)
            return
        actor = await self._actor(sender.sender_id.open_id, event.header.tenant_key or sender.tenant_key)
        lang = await self._lang(actor)
        text = message.text()
        command = _COMMAND.match(text)
        name, rest = (command.group(1).lower(), command.group(2).strip()) if command else ("check", text)
        chat, reply_to = message.chat_id, message.message_id
        if name == "check" and rest:
            try:
                request = await self.app.parse(rest, lang)
            except RequestError as error:
                await self.jobs.settle(key, owner)
                self._spawn(self._say(chat, describe_error(error, lang), reply_to), "refusal")
                return
            where = Conversation(PLATFORM, actor.workspace, chat, thread=reply_to)
            job = await self.jobs.record(key, owner, CheckCommand(actor, request, where, request.lang or lang))
            if job is not None:
                port = FeishuPort(self.api, self.app, actor, chat_id=chat, lang=lang, reply_to=reply_to)
                self._spawn(self.jobs.run(job, port), "check")
            return
        await self.jobs.settle(key, owner)
        self._spawn(self._command(name, rest, actor, lang, chat, reply_to), "message")

    async def _command(self, name: str, rest: str, actor: Actor, lang: str, chat: str, reply_to: str) -> None:
        if name == "lang" and rest.lower()[:2] in ("zh", "en"):
            await self.app.set_user_lang(actor, rest.lower()[:2])
            await self._say(chat, t("feishu.lang.set", rest.lower()[:2]), reply_to)
        elif name == "lang":
            await self._say(chat, t("feishu.lang.usage", lang, current=lang), reply_to)
        elif name == "history":
            lines = await self.app.history_text(rest, actor, lang)
            await self._say(chat, "\n\n".join(lines)[:8000], reply_to)
        else:
            await self._say(chat, t("feishu.help", lang), reply_to)

    async def _say(self, chat: str, text: str, reply_to: str) -> None:
        try:
            await self.api.send_card(chat, render_text(text), reply_to=reply_to)
        except FeishuError as error:
            log.warning("could not answer in %s: %s", chat, error)

    # --- card callbacks ---------------------------------------------------------------------
    async def on_card_action(self, event: CardActionTriggered) -> dict[str, Any]:
        """A button or a submitted reason form, handed to the driver; the answer is its first word."""
        data = event.event
        value = data.action.value or {}
        actor = await self._actor(data.operator.open_id, event.header.tenant_key or data.operator.tenant_key)
        lang = await self._lang(actor)
        try:
            kind, case_id = ActionKind(str(value.get("a"))), int(value.get("c"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return toast(t("driver.button.stale", lang), "error")
        arg = str(value.get("g") or "")[:200]
        chat, message = data.context.open_chat_id, data.context.open_message_id
        card = Conversation(PLATFORM, actor.workspace, chat, message=message)
        port = FeishuPort(self.api, self.app, actor, chat_id=chat, lang=lang, card_message=message)
        if value.get("f"):  # the reason form: what was typed, and (approving a STOP) the confirm dialog accepted
            form = data.action.form_value or {}
            reply = ReasonReply(actor, kind, case_id, card, lang, reason=str(form.get(REASON_FIELD) or "")[:1000],
                                arg=arg, deal=str(form.get(DEAL_FIELD) or "")[:300] or None,
                                confirmed=kind is ActionKind.APPROVE)
            if not await self.app.card_in_chat(case_id, card):
                return toast(t("driver.button.other_chat", lang, id=case_id), "error")
            work = self._spawn(self.driver.reason(reply, port), "reason")
        else:
            press = ButtonPress(actor, kind, case_id, card, lang, arg=arg, check_origin=True)
            work = self._spawn(self.driver.press(press, port), "button")
        await asyncio.wait({port.answer, work}, timeout=ANSWER_WAIT, return_when=asyncio.FIRST_COMPLETED)
        if port.answer.done():
            return port.answer.result()
        port.answer.set_result({})  # the driver said nothing yet: from now on it speaks in the chat
        return toast(t("feishu.button.done" if work.done() else "feishu.button.working", lang))
