"""What the bot does with each Telegram update: translate it to a flow call and render the result.

Thin on purpose: permissions, cases and decisions live in `bot.flows`; what a card shows lives in
`bot.card`; how it looks lives in `bot.render.telegram`. Nothing here is kept in process memory
between updates (several processes may serve one bot): pending reason prompts are in the
database through `flows.save_prompt` / `flows.take_prompt`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram import ForceReply, Message, Update, User
from telegram.constants import ChatType, MessageEntityType
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from checks.engine import Engine
from checks.i18n import normalize_lang, t
from checks.models import Report
from checks.request import RequestError

from .. import flows, offloop
from ..card import ActionKind, build_card
from ..progress import Coalescer
from ..render.telegram import TelegramMessage, clip, render, render_pages
from ..render.buttons import Pressed, arg_digest, decode
from .transport import PLATFORM, ChatGone, Sender, call_flow, retry_after_seconds

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.5  # seconds between two edits of one message (Telegram allows about 1/s per chat)
FINAL_MAX_WAIT = 30.0
MAX_DETAIL_PAGES = 5  # messages the Details button may send at once
PROMPT_GRACE = 1.0  # seconds to wait for a prompt being saved when its reply arrives first
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


def command_text(message: Message) -> str:
    """Everything after `/check` or `/check@bot`, newlines kept (paste mode needs them)."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    for entity in entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            # offsets are in UTF-16 units; a command is ASCII, so they equal str indexes here
            return text[entity.length :].strip()
    return text.partition(" ")[2].strip() if text.startswith("/") else text.strip()


def parse_chat_ids(value: str) -> frozenset[int] | None:
    """TELEGRAM_ALLOWED_CHATS ("-1001234567890,123456789") as ids; None when unset (every chat served).

    A malformed entry is an error, not skipped: a typo must not silently lock out (or let in) a chat.
    """
    parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    ids: set[int] = set()
    for part in parts:
        try:
            ids.add(int(part))
        except ValueError:
            raise ValueError(f"TELEGRAM_ALLOWED_CHATS: {part!r} is not a Telegram chat id") from None
    return frozenset(ids) if ids else None


class TelegramHandlers:
    """The handlers of one Application; `engine` is None for the process-wide engine.

    `allowed_chats`: the only chats served (None: every chat). The bot is the team's workspace, so an
    unlisted chat would otherwise read the team's cases and press its buttons.
    """

    def __init__(
        self,
        engine: Engine | None = None,
        edit_interval: float = EDIT_INTERVAL,
        allowed_chats: frozenset[int] | None = None,
    ) -> None:
        self.engine = engine
        self.edit_interval = edit_interval
        self.allowed_chats = allowed_chats

    # --- who and where ---------------------------------------------------------------------

    @staticmethod
    def actor(user: User, context: ContextTypes.DEFAULT_TYPE) -> flows.Actor:
        """A Telegram user; the bot is the team (one bot per company), so its id is the workspace."""
        return flows.Actor(platform=PLATFORM, user_id=str(user.id), name=user.full_name or "", workspace=str(context.bot.id))

    @staticmethod
    def conversation(message: Message, context: ContextTypes.DEFAULT_TYPE, card_id: int | None = None) -> flows.Conversation:
        thread = message.message_thread_id if message.is_topic_message else None
        return flows.Conversation(
            platform=PLATFORM,
            workspace=str(context.bot.id),
            channel=str(message.chat_id),
            thread=str(thread) if thread is not None else None,
            message=str(card_id) if card_id is not None else None,
        )

    async def lang_of(self, actor: flows.Actor, user: User | None) -> str:
        """The user's /lang choice, else their Telegram app language if we speak it, else the default."""
        try:
            chosen = await call_flow(flows.get_user_lang, actor)
        except Exception:
            log.exception("could not read the language of %s", actor.key)
            chosen = None
        if chosen:
            return normalize_lang(chosen)
        return (_app_lang(user) if user else None) or flows.default_lang()

    # --- who may use the bot -----------------------------------------------------------------

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before everything else: an update from a chat not in TELEGRAM_ALLOWED_CHATS stops here.

        It comes before de-duplication too, so an outsider causes no database work at all: a message
        gets one refusal naming the chat id (what the admin needs to add it), a button an alert.
        """
        if self.allowed_chats is None:
            return
        chat = update.effective_chat
        if chat is not None and chat.id in self.allowed_chats:
            return
        log.info("telegram update from chat %s refused: not in TELEGRAM_ALLOWED_CHATS", chat.id if chat else None)
        user = update.effective_user
        lang = (_app_lang(user) if user else None) or flows.default_lang()
        query = update.callback_query
        if query is not None:
            text = t("tg.not_allowed", lang, chat_id=chat.id) if chat is not None else None
            try:
                await query.answer(text=text, show_alert=text is not None)
            except TelegramError as error:
                log.info("could not answer callback query: %s", error)
        elif update.message is not None and chat is not None and not _for_another_bot(update.message, context):
            text = html.escape(t("tg.not_allowed", lang, chat_id="\x00id\x00"), quote=False)
            await self._reply(context, update.message, text.replace("\x00id\x00", f"<code>{chat.id}</code>"))
        raise ApplicationHandlerStop

    # --- idempotency -------------------------------------------------------------------------

    async def dedupe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler: a re-delivered update (same update_id) stops here."""
        key = f"{context.bot.id}:{update.update_id}"
        if not await call_flow(flows.first_delivery, PLATFORM, key):
            log.info("telegram update %s already processed", key)
            raise ApplicationHandlerStop

    # --- commands ----------------------------------------------------------------------------

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        lang = await self.lang_of(self.actor(user, context), user)
        await self._reply(context, message, html.escape(t("tg.help", lang)))

    async def lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        actor = self.actor(user, context)
        wanted = (context.args or [""])[0].strip().lower()
        if wanted and normalize_lang(wanted) == "en" and not wanted.startswith("en") and wanted != "english":
            wanted = ""  # normalize_lang maps anything unknown to English; only accept real choices
        if not wanted:
            lang = await self.lang_of(actor, user)
            await self._reply(context, message, html.escape(t("tg.lang.usage", lang, current=lang)))
            return
        lang = normalize_lang(wanted)
        await call_flow(flows.set_user_lang, actor, lang)
        await self._reply(context, message, html.escape(t("tg.lang.set", lang)))

    async def history(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        actor = self.actor(user, context)
        lang = await self.lang_of(actor, user)
        query = command_text(message)
        if not query:
            await self._reply(context, message, html.escape(t("tg.history.usage", lang)))
            return
        lines = await call_flow(flows.history_text, query, actor, lang)
        if not lines:
            await self._reply(context, message, html.escape(t("tg.history.none", lang, query=clip(query, 100))))
            return
        for page in _pages([html.escape(line) for line in lines]):
            await self._reply(context, message, page)

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/check ...`, or `/check` replying to a forwarded inquiry: post a card, edit it as sources finish."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        actor = self.actor(user, context)
        lang = await self.lang_of(actor, user)
        text = command_text(message)
        replied = message.reply_to_message
        if not text and replied is not None:
            text = (replied.text or replied.caption or "").strip()
        try:
            request = await offloop.parse_request(text, lang)  # CPU work: off the event loop
        except RequestError as error:
            await self._reply(context, message, html.escape(flows.describe_error(error, lang)))
            return

        sender = Sender(context.bot)
        preface = flows.describe_request(request)
        name = request.company or request.email or request.site or "…"
        placeholder = "\n".join(
            [f"<i>{html.escape(clip(line, 400))}</i>" for line in preface]
            + [html.escape(t("tg.checking", request.lang or lang, name=clip(name, 200)))]
        )
        try:
            posted = await sender.send(
                message.chat_id, placeholder, reply_to=message.message_id, thread=self._thread(message)
            )
        except ChatGone:
            return
        if posted is None:
            return
        conversation = self.conversation(message, context, posted.message_id)
        progress = self._progress(sender, posted)

        async def on_progress(report: Report) -> None:
            await progress.push(render(build_card(report), preface=preface))

        try:
            outcome = await flows.run_check(
                request, actor, conversation, lang=request.lang or lang, engine=self.engine, on_progress=on_progress
            )
        except Exception:
            log.exception("check failed for %s", actor.key)
            final = TelegramMessage(html.escape(t("tg.error", lang)))
            outcome = None
        else:
            final = render(outcome.card, preface=preface)
        try:
            await progress.close(final)
        except ChatGone:
            return
        except TelegramError as error:  # e.g. the placeholder was deleted: post the card anew
            log.warning("could not edit the card in chat %s (%s): sending it again", message.chat_id, error)
            try:
                posted = await sender.send(message.chat_id, final, reply_to=message.message_id,
                                           thread=self._thread(message))
            except (ChatGone, TelegramError):
                log.exception("could not send the card to chat %s", message.chat_id)
                return
            if posted is None:
                return
            conversation = self.conversation(message, context, posted.message_id)
        if outcome is None:
            return
        if outcome.case is not None:
            await call_flow(flows.link_card, outcome.case.id, conversation)

    def _progress(self, sender: Sender, posted: Message) -> "CardEditor":
        return CardEditor(sender, posted.chat_id, posted.message_id, interval=self.edit_interval)

    # --- buttons -----------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the callback query at once, then run the flow and show its result."""
        query = update.callback_query
        if query is None:
            return
        user = query.from_user
        actor = self.actor(user, context)
        pressed = decode(query.data)
        # answered before any database work; the toast uses the language of the user's Telegram app
        quick_lang = _app_lang(user) or flows.default_lang()
        toast = None
        if pressed is None:
            toast = t("tg.button.stale", quick_lang)
        elif pressed.kind is ActionKind.RECHECK:
            toast = t("tg.button.rechecking", quick_lang)
        try:
            await query.answer(text=toast)
        except TelegramError as error:  # "query is too old": carry on, the flow still matters
            log.info("could not answer callback query: %s", error)
        lang = await self.lang_of(actor, user)
        if pressed is None:
            return
        card_message = query.message if isinstance(query.message, Message) else None
        if card_message is None:
            log.info("callback without an accessible message (too old); case %s", pressed.case_id)
            return
        sender = Sender(context.bot)
        conversation = self.conversation(card_message, context, card_message.message_id)
        if not await call_flow(flows.card_in_chat, pressed.case_id, conversation):
            log.warning("telegram button for case %s pressed in chat %s, where its card is not: refused",
                        pressed.case_id, card_message.chat_id)
            await self._tell(sender, card_message, user, t("tg.button.other_chat", lang, id=pressed.case_id))
            return
        arg = await self._resolve_arg(pressed, actor, lang, conversation)
        if arg is None:
            await self._tell(sender, card_message, user, t("tg.button.stale", lang))
            return
        pressed = Pressed(pressed.kind, pressed.case_id, arg=arg)
        result = await flows.perform_action(
            pressed.kind, pressed.case_id, actor, arg=arg, lang=lang, conversation=conversation
        )
        try:
            await self._show_result(sender, card_message, user, pressed, result, lang, actor)
        except ChatGone:
            return

    async def _resolve_arg(
        self, pressed: Pressed, actor: flows.Actor, lang: str, conversation: flows.Conversation
    ) -> str | None:
        """The button's argument; a hashed one is found among the case's current card actions."""
        if pressed.arg_hash is None:
            return pressed.arg
        result = await flows.perform_action(ActionKind.DETAILS, pressed.case_id, actor, lang=lang, conversation=conversation)
        for action in result.card.actions if result.card else []:
            if action.kind is pressed.kind and arg_digest(action.arg) == pressed.arg_hash:
                return action.arg
        return None

    async def _show_result(
        self,
        sender: Sender,
        card_message: Message,
        user: User,
        pressed: Pressed,
        result: flows.FlowResult,
        lang: str,
        actor: flows.Actor,
    ) -> None:
        chat_id = card_message.chat_id
        if result.needs_reason:
            await self._ask_reason(sender, card_message, user, pressed, lang, actor, stop=result.prompt == "approve_stop")
            return
        if not result.ok:
            await self._tell(sender, card_message, user, result.message)
            return
        if pressed.kind is ActionKind.DETAILS:
            pages = render_pages(result.card) if result.card else []
            if not pages:
                await self._tell(sender, card_message, user, t("tg.details.none", lang))
            if len(pages) > MAX_DETAIL_PAGES:  # Telegram allows ~20 messages a minute in a group
                rest = len(pages) - MAX_DETAIL_PAGES
                pages = pages[:MAX_DETAIL_PAGES]
                pages.append(html.escape(t("tg.details.truncated", lang, n=rest, id=pressed.case_id)))
            for page in pages:
                await sender.send(chat_id, page, reply_to=card_message.message_id, thread=self._thread(card_message))
            return
        if result.attachment is not None:  # the evidence pack: the file as a reply to the card
            file = result.attachment
            try:
                await sender.send_document(chat_id, file.content, file.filename, caption=result.message,
                                           reply_to=card_message.message_id, thread=self._thread(card_message))
            except TelegramError as error:
                log.warning("sendDocument failed: %s", error)
                await self._tell(sender, card_message, user, t("tg.upload_failed", lang))
            return
        await self._after_change(sender, card_message, user, result)

    async def _after_change(self, sender: Sender, card_message: Message, user: User, result: flows.FlowResult) -> None:
        """A successful action: re-render the card in place, then say what happened."""
        if result.card is not None:
            await sender.edit(card_message.chat_id, card_message.message_id, render(result.card))
        line = result.announce or result.message
        if line:
            await sender.send(
                card_message.chat_id, html.escape(line), reply_to=card_message.message_id,
                thread=self._thread(card_message),
            )

    async def _ask_reason(
        self, sender: Sender, card_message: Message, user: User, pressed: Pressed, lang: str, actor: flows.Actor,
        stop: bool = False,
    ) -> None:
        """A ForceReply prompt addressed to the presser; the prompt is remembered in the database.

        The database keeps what the answer needs: the button, its case and argument (the match being
        cleared) and the card's message id, so the card is updated in place when the reason arrives.
        """
        key = "tg.reason.approve_stop" if stop else _REASON_KEYS.get(pressed.kind, "tg.reason.other")
        marks = {"who": mention(user), "case": _card_link(card_message, pressed.case_id),
                 "match": f"<code>{html.escape(pressed.arg)}</code>"}
        text = html.escape(t(key, lang, who="\x00who\x00", case="\x00case\x00", match="\x00match\x00"))
        for name, value in marks.items():
            text = text.replace(f"\x00{name}\x00", value)
        force = ForceReply(selective=True, input_field_placeholder=t("tg.reason.placeholder", lang))
        prompt = await sender.send(
            card_message.chat_id, text, reply_to=card_message.message_id, thread=self._thread(card_message),
            reply_markup=force,
        )
        if prompt is not None:
            await call_flow(
                flows.save_prompt, PLATFORM, str(card_message.chat_id), str(prompt.message_id), pressed.kind,
                pressed.case_id, actor, arg=pressed.arg, card_message_id=str(card_message.message_id),
            )

    async def reason_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to one of our prompts: the reason for a rejection, a note, a cleared match."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.reply_to_message is None:
            return
        prompt = message.reply_to_message
        if prompt.from_user is None or prompt.from_user.id != context.bot.id:
            return
        actor = self.actor(user, context)
        taken = await call_flow(flows.take_prompt, PLATFORM, str(message.chat_id), str(prompt.message_id), actor)
        if not taken and _looks_like_prompt(prompt, user):
            # the prompt is saved right after Telegram returns it; a very quick reply can overtake that
            await asyncio.sleep(PROMPT_GRACE)
            taken = await call_flow(flows.take_prompt, PLATFORM, str(message.chat_id), str(prompt.message_id), actor)
        if not taken:
            return  # an ordinary reply to the bot, or someone else's prompt
        kind, case_id, arg = taken.kind, taken.case_id, taken.arg
        card_id = int(taken.card_message_id) if (taken.card_message_id or "").isdigit() else None
        lang = await self.lang_of(actor, user)
        reason = (message.text or message.caption or "").strip()
        sender = Sender(context.bot)
        conversation = self.conversation(message, context, card_id)
        # the prompt for approving a STOP case said that the reply confirms it (Telegram's confirm step)
        result = await flows.perform_action(
            kind, case_id, actor, arg=arg, reason=reason, lang=lang, conversation=conversation,
            confirmed=kind is ActionKind.APPROVE,
        )
        try:
            if not result.ok:
                await self._tell(sender, message, user, result.message)
                return
            if result.card is not None and card_id is not None:
                await sender.edit(message.chat_id, card_id, render(result.card))
            elif result.card is not None and kind is not ActionKind.ADD_NOTE:  # card not found: post it anew
                await sender.send(message.chat_id, render(result.card), reply_to=message.message_id,
                                  thread=self._thread(message))
            line = result.announce or result.message
            if line:
                await sender.send(message.chat_id, html.escape(line), reply_to=message.message_id,
                                  thread=self._thread(message))
        except ChatGone:
            return

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _thread(message: Message) -> int | None:
        return message.message_thread_id if message.is_topic_message else None

    async def _reply(self, context: ContextTypes.DEFAULT_TYPE, message: Message, text: str) -> None:
        try:
            await Sender(context.bot).send(message.chat_id, text, reply_to=message.message_id, thread=self._thread(message))
        except ChatGone:
            pass

    async def _tell(self, sender: Sender, message: Message, user: User, text: str) -> None:
        """A message for the person who pressed: in a group, addressed to them by name."""
        body = html.escape(text)
        if message.chat.type != ChatType.PRIVATE:
            body = f"{mention(user)}: {body}"
        await sender.send(message.chat_id, body, reply_to=message.message_id, thread=self._thread(message))

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", context.error, exc_info=context.error)


class CardEditor(Coalescer[TelegramMessage]):
    """Coalesced edits of one card: a progress edit gives way to a 429, the final one waits it out."""

    def __init__(self, sender: Sender, chat_id: int, message_id: int, interval: float = EDIT_INTERVAL) -> None:
        super().__init__(self._progress_edit, interval=interval)
        self.sender, self.chat_id, self.message_id = sender, chat_id, message_id
        self.not_before = 0.0

    async def _progress_edit(self, message: TelegramMessage) -> None:
        if time.monotonic() < self.not_before:
            return  # Telegram asked us to wait: skip, a later state supersedes this one
        try:
            await self.sender.edit(self.chat_id, self.message_id, message, max_wait=0, attempts=1)
        except RetryAfter as error:
            self.not_before = time.monotonic() + retry_after_seconds(error)
            raise

    async def _final_edit(self, message: TelegramMessage) -> None:
        await self.sender.edit(self.chat_id, self.message_id, message, max_wait=FINAL_MAX_WAIT)

    async def close(self, final: TelegramMessage | None = None) -> None:
        self._send = self._final_edit  # the finished card honours retry_after instead of giving up
        await super().close(final)


def _app_lang(user: User) -> str | None:
    """The language of the user's Telegram app, if it is one we speak."""
    code = (user.language_code or "").lower()
    return normalize_lang(code) if code.startswith(("zh", "en")) else None


def _for_another_bot(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """`/check@some_other_bot`: not addressed to us, so not ours to answer either."""
    text = message.text or ""
    for entity in message.entities or ():
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            _, at, name = text[: entity.length].partition("@")
            return bool(at) and name.lower() != (context.bot.username or "").lower()
    return False


def _pages(lines: list[str], limit: int = 4000) -> list[str]:
    pages: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + len(line) + 1 > limit:
            pages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pages.append(current)
    return pages


def _looks_like_prompt(prompt: Message, user: User) -> bool:
    """A reason prompt addressed to this user (it mentions them by id)."""
    return any(
        entity.type == MessageEntityType.TEXT_MENTION and entity.user is not None and entity.user.id == user.id
        for entity in prompt.entities or ()
    )


def _card_link(card: Message, case_id: int) -> str:
    """`#12`, linked to the card where Telegram has message links (supergroups, channels)."""
    label = str(case_id)
    chat = str(card.chat_id)
    if chat.startswith("-100"):
        return f'<a href="https://t.me/c/{chat[4:]}/{card.message_id}">{label}</a>'
    return label


def install(application: Application, handlers: TelegramHandlers) -> None:
    """Register every handler on `application` (the allow-list, then idempotency, each in its own group)."""
    from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

    only_new = filters.UpdateType.MESSAGE
    if handlers.allowed_chats is not None:
        application.add_handler(TypeHandler(Update, handlers.gate), group=-2)
    application.add_handler(TypeHandler(Update, handlers.dedupe), group=-1)
    application.add_handler(CommandHandler("check", handlers.check, filters=only_new))
    application.add_handler(CommandHandler("history", handlers.history, filters=only_new))
    application.add_handler(CommandHandler(["help", "start"], handlers.help, filters=only_new))
    application.add_handler(CommandHandler("lang", handlers.lang, filters=only_new))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(
        MessageHandler(only_new & filters.REPLY & filters.TEXT & ~filters.COMMAND, handlers.reason_reply)
    )
    application.add_error_handler(handlers.error)
