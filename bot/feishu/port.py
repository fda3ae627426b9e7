"""`FeishuPort`: the driver's `ChatPort` on Feishu, bound to one interaction (a person in a chat).

Feishu specifics it hides from the driver:
- a card callback must be answered within 3 s: the first thing the driver says during a press
  (a refusal, the reason form, "working…") becomes the callback's answer (`answer`); anything
  later is a message in the chat, @-mentioning the person;
- a reason is asked in a form on the card itself: the answer is the card with the form (Feishu
  replaces the card with it), and the submission comes back as a callback with `form_value`;
- every text goes out as a small card (escaped markdown), never as raw text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from checks.i18n import t

from ..app.driver import AppServices, CheckCommand, ReasonRequest
from ..app.types import ActionResult, Actor, Attachment, Conversation
from ..card import ActionKind, Card
from ..render.feishu import ReasonForm, render_card, render_details, render_text
from .api import FeishuApi, FeishuError

log = logging.getLogger(__name__)

_OPEN_ID = re.compile(r"^ou_[A-Za-z0-9_-]{1,80}$")
MAX_DETAIL_CARDS = 5
_REASON_KEYS = {
    ActionKind.REJECT: "feishu.reason.reject", ActionKind.ADD_NOTE: "feishu.reason.add_note",
    ActionKind.CLEAR_MATCH: "feishu.reason.clear_match", ActionKind.REQUEST_APPROVAL: "feishu.reason.request_approval",
    ActionKind.ESCALATE: "feishu.reason.escalate", ActionKind.APPROVE: "feishu.reason.approve",
    "approve_stop": "feishu.reason.approve_stop",
}


def toast(text: str, kind: str = "info") -> dict[str, Any]:
    return {"toast": {"type": kind, "content": text[:200]}}


def mention(open_id: str) -> str:
    """An @-mention in card markdown (only a well-formed open_id is ever put in the tag)."""
    return f"<at id={open_id}></at> " if _OPEN_ID.match(open_id) else ""


class FeishuPort:
    platform = "feishu"
    public_confirmations = True  # Feishu has no private reply in a group: the line goes to the thread
    ask_deadline: float | None = None

    def __init__(self, api: FeishuApi, app: AppServices, actor: Actor, *, chat_id: str, lang: str,
                 card_message: str | None = None, reply_to: str | None = None) -> None:
        self.api = api
        self.app = app
        self.actor = actor
        self.user = actor.user_id
        self.chat_id = chat_id
        self.preface: list[str] = []
        self.lang = lang
        self.card_message = card_message  # the card this interaction is about (its replies go under it)
        self.reply_to = reply_to or card_message
        self.answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    # --- the callback's answer ----------------------------------------------------------------
    def _answer(self, value: dict[str, Any]) -> bool:
        """Give the callback its answer if it has none yet; False when it was already given."""
        if self.answer.done():
            return False
        self.answer.set_result(value)
        return True

    async def _post(self, text: str, *, to_user: bool = False) -> None:
        card = render_text(text)
        if to_user:
            card["body"]["elements"][0]["content"] = mention(self.user) + card["body"]["elements"][0]["content"]
        try:
            await self.api.send_card(self.chat_id, card, reply_to=self.reply_to)
        except FeishuError as error:
            log.warning("could not post in %s: %s", self.chat_id, error)

    # --- ChatPort -------------------------------------------------------------------------------
    async def post_placeholder(self, command: CheckCommand, card: Card, preface: list[str]) -> Conversation | None:
        where = command.where
        self.preface = preface
        try:
            message = await self.api.send_card(where.channel, render_card(card, preface=preface),
                                               reply_to=where.thread, uuid=f"check-{where.thread}")
        except FeishuError as error:
            log.warning("could not post the card in %s: %s", where.channel, error)
            return None
        self.card_message = self.reply_to = message
        return Conversation(where.platform, where.workspace, where.channel, where.thread, message)

    async def update_card(self, at: Conversation, card: Card, *, final: bool) -> Conversation | None:
        preface = self.preface if card.in_progress else []
        try:
            await self.api.update_card(at.message or "", render_card(card, preface=preface))
        except FeishuError as error:
            if not final:
                raise
            if error.gone and error.code not in (230011,):
                return None
            log.warning("could not update the card %s (%s): posting it again", at.message, error)
            message = await self.api.send_card(at.channel, render_card(card), reply_to=at.thread)
            return Conversation(at.platform, at.workspace, at.channel, at.thread, message)
        if final:
            self._answer(toast(t("feishu.button.done", self.lang), "success"))
        return at

    async def show_failure(self, at: Conversation, ref: str) -> None:
        await self.api.update_card(at.message or "", render_text(t("feishu.error", self.lang) + f" (ref {ref})"))

    async def notify(self, text: str) -> None:
        if not self._answer(toast(text, "error")):
            await self._post(text, to_user=True)

    async def say(self, text: str) -> None:
        self._answer(toast(t("feishu.button.done", self.lang), "success"))
        await self._post(text)

    async def ask_reason(self, ask: ReasonRequest) -> str | None:
        """The card again with a form asking the reason; the submission comes back as a callback."""
        card = await self.app.current_card(ask.case_id, self.actor, ask.lang)
        if card is None:
            await self.notify(t("feishu.button.stale", ask.lang))
            return None
        stop = ask.prompt == "approve_stop"
        key = _REASON_KEYS.get("approve_stop" if stop else ask.kind, "feishu.reason.other")
        form = ReasonForm(kind=ask.kind, case_id=ask.case_id, arg=ask.arg,
                          prompt=t(key, ask.lang, case=ask.case_id, match=ask.arg),
                          ask_deal=ask.kind is ActionKind.REQUEST_APPROVAL,
                          confirm=t("action.confirm_stop_approval", ask.lang) if stop else "")
        payload = render_card(card, form=form)
        if not self._answer({"card": {"type": "raw", "data": payload}}) and self.card_message:
            await self.api.update_card(self.card_message, payload)  # too late for the answer: patch instead
        return None

    async def working(self, kind: ActionKind, case_id: int) -> None:
        self._answer(toast(t("feishu.button.working", self.lang)))

    async def open_details(self) -> None:
        self._answer(toast(t("feishu.button.working", self.lang)))

    async def show_details(self, result: ActionResult) -> None:
        if not result.ok or result.card is None:
            await self.notify(result.message or t("feishu.details.none", self.lang))
            return
        for page in render_details(result.card)[:MAX_DETAIL_CARDS]:
            await self.api.send_card(self.chat_id, page, reply_to=self.reply_to)

    async def send_file(self, attachment: Attachment, comment: str) -> None:
        self._answer(toast(t("feishu.button.working", self.lang)))
        try:
            await self.api.send_file(self.chat_id, attachment.filename, attachment.content, reply_to=self.reply_to)
        except FeishuError as error:
            log.warning("evidence pack upload failed: %s", error)
            await self._post(t("feishu.upload_failed", self.lang), to_user=True)
            return
        if comment:
            await self._post(comment)
