"""Feishu events → neutral events for the driver (bot/app/driver.py). Nothing else happens here.

Messages (`im.message.receive_v1`): `/check …`, `/history …`, `/lang zh|en`, `/help`, and paste mode
(any other text is checked as a pasted inquiry), in a private chat, or in a group when the bot is
@-mentioned. Card callbacks (`card.action.trigger`): a button press, or a reason form submitted.

Every event and callback is acted on once across processes: its id goes through the database
(`first_delivery`), like Slack's deliveries. A card callback is answered within Feishu's 3 s with
whatever the driver says first (see `FeishuPort`); the rest of the work goes on after the answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import Any

from checks.i18n import normalize_lang, t
from checks.request import RequestError

from ..app.checking import describe_error
from ..app.driver import ButtonPress, CheckCommand, Driver, FlowsServices, ReasonReply
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
    work it starts runs in tasks `drain()` waits for."""

    def __init__(self, api: FeishuApi, settings: FeishuSettings, *, engine: Any = None,
                 progress_interval: float = 1.0, services: FlowsServices | None = None) -> None:
        self.api = api
        self.settings = settings
        self.app = services or FlowsServices()
        self.driver = Driver(app=self.app, engine=engine, progress_interval=progress_interval)
        self._tasks: set[asyncio.Task[Any]] = set()

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
        if not await self.app.first_delivery(PLATFORM, f"event:{event.header.event_id}"):
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
                await self._say(chat, describe_error(error, lang), reply_to)
                return
            port = FeishuPort(self.api, self.app, actor, chat_id=chat, lang=lang, reply_to=reply_to)
            where = Conversation(PLATFORM, actor.workspace, chat, thread=reply_to)
            await self.driver.check(CheckCommand(actor, request, where, request.lang or lang), port)
        elif name == "lang" and rest.lower()[:2] in ("zh", "en"):
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
