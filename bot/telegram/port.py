"""Telegram's `ChatPort`: how the interaction driver posts, edits, asks and tells in a Telegram chat.

One `TelegramPort` per update, bound to the message it answers (the /check command, the pressed
card, or the reply carrying a reason) and to the person who sent it. Everything is a reply to that
message, in its forum topic; texts are escaped here (HTML parse mode).
"""

from __future__ import annotations

import html
import logging
import time

from telegram import ForceReply, Message, User
from telegram.constants import ChatType
from telegram.error import RetryAfter, TelegramError

from checks.i18n import t

from ..app.driver import CheckCommand, ReasonRequest
from ..app.types import ActionResult, Attachment, Conversation
from ..card import ActionKind, Card
from ..render.telegram import TelegramMessage, clip, render, render_pages
from .transport import PLATFORM, ChatGone, Sender, retry_after_seconds

log = logging.getLogger(__name__)

FINAL_MAX_WAIT = 30.0
MAX_DETAIL_PAGES = 5  # messages the Details button may send at once
_REASON_KEYS = {
    ActionKind.REJECT: "tg.reason.reject",
    ActionKind.ADD_NOTE: "tg.reason.add_note",
    ActionKind.CLEAR_MATCH: "tg.reason.clear_match",
    ActionKind.REQUEST_APPROVAL: "tg.reason.request_approval",
    ActionKind.ESCALATE: "tg.reason.escalate",
    ActionKind.APPROVE: "tg.reason.approve",
}


def mention(user: User) -> str:
    """A clickable mention by id (works without a @username), escaped."""
    return f'<a href="tg://user?id={user.id}">{html.escape(clip(user.full_name or str(user.id), 64))}</a>'


def thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


class CardEdits:
    """Edits of one card: a progress edit gives way to a 429 (skipped until Telegram's retry_after
    has passed, a later state supersedes it); the final edit waits it out."""

    def __init__(self, sender: Sender, chat_id: int | str, message_id: int | str) -> None:
        self.sender, self.chat_id, self.message_id = sender, chat_id, message_id
        self.not_before = 0.0

    async def progress(self, message: TelegramMessage) -> None:
        if time.monotonic() < self.not_before:
            return
        try:
            await self.sender.edit(self.chat_id, self.message_id, message, max_wait=0, attempts=1)
        except RetryAfter as error:
            self.not_before = time.monotonic() + retry_after_seconds(error)
            raise

    async def final(self, message: TelegramMessage) -> None:
        await self.sender.edit(self.chat_id, self.message_id, message, max_wait=FINAL_MAX_WAIT)


class TelegramPort:
    """The driver's way back into one Telegram chat, for one update."""

    platform = PLATFORM
    public_confirmations = True  # "Note added" is a reply everyone in the chat sees
    ask_deadline: float | None = None

    def __init__(self, sender: Sender, message: Message, user: User, workspace: str, lang: str) -> None:
        self.sender, self.message, self.user, self.workspace, self.lang = sender, message, user, workspace, lang
        self.preface: list[str] = []
        self._edits: dict[str, CardEdits] = {}

    def at(self, message_id: int | str | None) -> Conversation:
        thread = thread_of(self.message)
        return Conversation(platform=PLATFORM, workspace=self.workspace, channel=str(self.message.chat_id),
                            thread=str(thread) if thread is not None else None,
                            message=str(message_id) if message_id is not None else None)

    async def _send(self, message: TelegramMessage | str, **options: object) -> Message | None:
        return await self.sender.send(self.message.chat_id, message, reply_to=self.message.message_id,
                                      thread=thread_of(self.message), **options)  # type: ignore[arg-type]

    # --- a check ---------------------------------------------------------------------------------
    async def post_placeholder(self, command: CheckCommand, card: Card, preface: list[str]) -> Conversation | None:
        """Not the pending card: one short line ("⏳ Checking ACME…") under what the parser understood."""
        self.preface = preface
        request = command.request
        name = request.company or request.email or request.site or "…"
        text = "\n".join([f"<i>{html.escape(clip(line, 400))}</i>" for line in preface]
                         + [html.escape(t("tg.checking", command.lang, name=clip(name, 200)))])
        try:
            posted = await self._send(text)
        except ChatGone:
            return None
        return self.at(posted.message_id) if posted is not None else None

    def _editor(self, at: Conversation) -> CardEdits:
        key = str(at.message)
        if key not in self._edits:
            self._edits[key] = CardEdits(self.sender, self.message.chat_id, key)
        return self._edits[key]

    async def update_card(self, at: Conversation, card: Card, *, final: bool) -> Conversation | None:
        message = render(card, preface=self.preface)
        if not final:
            await self._editor(at).progress(message)
            return at
        return await self._finish(at, message)

    async def _finish(self, at: Conversation, message: TelegramMessage) -> Conversation | None:
        """The final edit; if the card cannot be edited (deleted, too old) it is posted anew."""
        try:
            if at.message is not None:
                await self._editor(at).final(message)
                return at
        except ChatGone:
            return None
        except TelegramError as error:
            log.warning("could not edit the card in chat %s (%s): sending it again", self.message.chat_id, error)
        try:
            posted = await self._send(message)
        except (ChatGone, TelegramError):
            log.exception("could not send the card to chat %s", self.message.chat_id)
            return None
        return self.at(posted.message_id) if posted is not None else None

    async def show_failure(self, at: Conversation, ref: str) -> None:
        await self._finish(at, TelegramMessage(html.escape(t("tg.error", self.lang))))

    # --- telling ---------------------------------------------------------------------------------
    async def notify(self, text: str) -> None:
        """A reply for the person who acted: in a group, addressed to them by name."""
        body = html.escape(text)
        if self.message.chat.type != ChatType.PRIVATE:
            body = f"{mention(self.user)}: {body}"
        try:
            await self._send(body)
        except ChatGone:
            pass

    async def say(self, text: str) -> None:
        try:
            await self._send(html.escape(text))
        except ChatGone:
            pass

    async def working(self, kind: ActionKind, case_id: int) -> None:
        """Nothing: the button's toast ("⏳ Re-checking…") was shown when the press was answered."""

    # --- asking ----------------------------------------------------------------------------------
    async def ask_reason(self, ask: ReasonRequest) -> str | None:
        """A ForceReply prompt addressed to the presser, as a reply to the card; its id is returned
        so the driver remembers what the answer is for (the button, its case and argument)."""
        key = "tg.reason.approve_stop" if ask.prompt == "approve_stop" else _REASON_KEYS.get(ask.kind, "tg.reason.other")
        marks = {"who": mention(self.user), "case": self._card_link(ask.case_id),
                 "match": f"<code>{html.escape(ask.arg)}</code>"}
        text = html.escape(t(key, ask.lang, who="\x00who\x00", case="\x00case\x00", match="\x00match\x00"))
        for name, value in marks.items():
            text = text.replace(f"\x00{name}\x00", value)
        force = ForceReply(selective=True, input_field_placeholder=t("tg.reason.placeholder", ask.lang))
        try:
            prompt = await self._send(text, reply_markup=force)
        except ChatGone:
            return None
        return str(prompt.message_id) if prompt is not None else None

    def _card_link(self, case_id: int) -> str:
        """`#12`, linked to the card where Telegram has message links (supergroups, channels)."""
        chat = str(self.message.chat_id)
        if chat.startswith("-100"):
            return f'<a href="https://t.me/c/{chat[4:]}/{self.message.message_id}">{case_id}</a>'
        return str(case_id)

    # --- details and files -----------------------------------------------------------------------
    async def open_details(self) -> None:
        """Nothing to open: the pages are sent when they are ready."""

    async def show_details(self, result: ActionResult) -> None:
        if not result.ok:
            await self.notify(result.message)
            return
        pages = render_pages(result.card) if result.card else []
        if not pages:
            await self.notify(t("tg.details.none", self.lang))
        if len(pages) > MAX_DETAIL_PAGES:  # Telegram allows ~20 messages a minute in a group
            rest = len(pages) - MAX_DETAIL_PAGES
            pages = pages[:MAX_DETAIL_PAGES]
            pages.append(html.escape(t("tg.details.truncated", self.lang, n=rest, id=result.case_id)))
        try:
            for page in pages:
                await self._send(page)
        except ChatGone:
            pass

    async def send_file(self, attachment: Attachment, comment: str) -> None:
        """The evidence pack as a document replying to the card; a refusal is told, not lost."""
        try:
            await self.sender.send_document(self.message.chat_id, attachment.content, attachment.filename,
                                            caption=comment, reply_to=self.message.message_id,
                                            thread=thread_of(self.message))
        except ChatGone:
            return
        except TelegramError as error:
            log.warning("sendDocument failed: %s", error)
            await self.notify(t("tg.upload_failed", self.lang))
