"""What the bot does with each Telegram update: turn it into a neutral event for the driver.

Thin on purpose: permissions, cases and decisions live in the application layer; the sequence of a
check (placeholder, progress, card) and of a button (permission, reason, action, result) lives in
`bot.app.driver`; how a card looks lives in `bot.render.telegram`; how it is posted lives in
`bot.telegram.port`. Nothing here is kept in process memory between updates (several processes may
serve one bot): pending reason prompts are in the database, and a `/check` is a durable job
(`bot.app.checkjobs`) recorded before it runs: if the process dies mid-check, any process's resumer
(`resume_checks`, started with the Application) finishes the card. Telegram itself never re-delivers
an update the webhook accepted, so a process dying between accepting it and recording the job still
loses that one `/check`.
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import UTC, datetime

from telegram import Bot, Chat, Message, Update, User
from telegram.constants import MessageEntityType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from checks.engine import Engine
from checks.i18n import normalize_lang, t
from checks.request import RequestError

from ..app.checking import describe_error
from ..app.checkjobs import CheckJobs, CheckSpec
from ..app.driver import ButtonPress, CheckCommand, Driver, ReasonReply
from ..app.services import RuntimeServices
from ..app.types import Actor
from ..card import ActionKind
from ..render.buttons import decode
from ..render.telegram import clip
from .port import TelegramPort, thread_of
from .transport import PLATFORM, ChatGone, Sender

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.5  # seconds between two edits of one message (Telegram allows about 1/s per chat)
PROMPT_GRACE = 1.0  # seconds to wait for a prompt being saved when its reply arrives first


def command_text(message: Message) -> str:
    """Everything after `/check` or `/check@bot`, newlines kept (paste mode needs them)."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    for entity in entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            # offsets are in UTF-16 units; a command is ASCII, so they equal str indexes here
            return text[entity.length :].strip()
    return text.partition(" ")[2].strip() if text.startswith("/") else text.strip()


class TelegramCheckSpec(CheckSpec):
    """The shared job payload plus what a reply in Telegram needs: the command's message id and the chat's type."""

    reply_to: int
    chat_type: str = "private"


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
    """The handlers of one Application, calling `app` (the entry point's runtime); `engine` is None for
    the runtime's engine.

    `allowed_chats`: the only chats served (None: every chat). The bot is the team's workspace, so an
    unlisted chat would otherwise read the team's cases and press its buttons.
    """

    def __init__(
        self,
        app: RuntimeServices,
        *,
        engine: Engine | None = None,
        edit_interval: float = EDIT_INTERVAL,
        allowed_chats: frozenset[int] | None = None,
    ) -> None:
        self.engine = engine
        self.edit_interval = edit_interval
        self.allowed_chats = allowed_chats
        self.app = app
        self.driver = Driver(self.app, engine=engine, progress_interval=edit_interval)
        self.bot: Bot | None = None  # the Application's, set by `install` (a resumed job's port needs it)
        self.jobs: CheckJobs[TelegramCheckSpec] = CheckJobs(app.runtime, self.driver, PLATFORM, self._job_port,
                                                            spec_type=TelegramCheckSpec)

    def _job_port(self, spec: TelegramCheckSpec, actor: Actor) -> TelegramPort:
        """The port of a check job resumed by a process that never saw its update: the command
        message and its sender rebuilt from the job (only their ids, chat type and topic are used)."""
        if self.bot is None:
            raise RuntimeError("the handlers are not installed on an Application")
        topic = int(spec.thread_ts) if spec.thread_ts else None
        message = Message(message_id=spec.reply_to, date=datetime.now(UTC),
                          chat=Chat(id=int(spec.channel), type=spec.chat_type),
                          message_thread_id=topic, is_topic_message=topic is not None)
        user = User(id=int(actor.user_id), first_name=actor.name or actor.user_id, is_bot=False)
        port = TelegramPort(Sender(self.bot, on_gone=self.app.mark_conversation_dead), message, user,
                            actor.workspace, spec.lang)
        port.preface = self.app.describe_request(spec.the_request())  # the card's "understood" lines
        return port

    # --- who and where ---------------------------------------------------------------------

    @staticmethod
    def actor(user: User, context: ContextTypes.DEFAULT_TYPE) -> Actor:
        """A Telegram user; the bot is the team (one bot per company), so its id is the workspace."""
        return Actor(platform=PLATFORM, user_id=str(user.id), name=user.full_name or "", workspace=str(context.bot.id))

    def port(self, context: ContextTypes.DEFAULT_TYPE, message: Message, user: User, lang: str) -> TelegramPort:
        """The way back into the chat of `message` (everything is a reply to it)."""
        return TelegramPort(self.sender(context), message, user, str(context.bot.id), lang)

    def sender(self, context: ContextTypes.DEFAULT_TYPE) -> Sender:
        return Sender(context.bot, on_gone=self.app.mark_conversation_dead)

    async def lang_of(self, actor: Actor, user: User | None) -> str:
        """The user's /lang choice, else their Telegram app language if we speak it, else the default."""
        try:
            chosen = await self.app.get_user_lang(actor)
        except Exception:
            log.exception("could not read the language of %s", actor.key)
            chosen = None
        if chosen:
            return normalize_lang(chosen)
        return (_app_lang(user) if user else None) or self.app.default_lang()

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
        lang = (_app_lang(user) if user else None) or self.app.default_lang()
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
        if not await self.app.first_delivery(PLATFORM, key):
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
        await self.app.set_user_lang(actor, lang)
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
        lines = await self.app.history_text(query, actor, lang)
        if not lines:
            await self._reply(context, message, html.escape(t("tg.history.none", lang, query=clip(query, 100))))
            return
        for page in _pages([html.escape(line) for line in lines]):
            await self._reply(context, message, page)

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/check ...`, or `/check` replying to a forwarded inquiry: the driver posts a card and edits it."""
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
            request = await self.app.parse(text, lang)  # CPU work: off the event loop
        except RequestError as error:
            await self._reply(context, message, html.escape(describe_error(error, lang)))
            return
        port = self.port(context, message, user, lang)
        command = CheckCommand(actor, request, port.at(None), request.lang or lang)
        # durable before it runs (the update's key is already final: `dedupe`)
        job = await self.jobs.record(f"{context.bot.id}:{update.update_id}", None, command,
                                     reply_to=message.message_id, chat_type=message.chat.type)
        if job is not None:
            await self.jobs.run(job, port)

    # --- buttons -----------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the callback query at once, then hand the press to the driver."""
        query = update.callback_query
        if query is None:
            return
        user = query.from_user
        actor = self.actor(user, context)
        pressed = decode(query.data)
        # answered before any database work; the toast uses the language of the user's Telegram app
        quick_lang = _app_lang(user) or self.app.default_lang()
        toast = None
        if pressed is None:
            toast = t("driver.button.stale", quick_lang)
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
        port = self.port(context, card_message, user, lang)
        press = ButtonPress(actor, pressed.kind, pressed.case_id, port.at(card_message.message_id), lang,
                            arg=pressed.arg, arg_hash=pressed.arg_hash, check_origin=True)
        try:
            await self.driver.press(press, port)
        except ChatGone:
            return

    async def reason_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to one of our prompts: the reason for a rejection, a note, a cleared match."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.reply_to_message is None:
            return
        prompt = message.reply_to_message
        if prompt.from_user is None or prompt.from_user.id != context.bot.id:
            return
        actor = self.actor(user, context)
        # the prompt is saved right after Telegram returns it; a very quick reply can overtake that
        grace = PROMPT_GRACE if _looks_like_prompt(prompt, user) else 0.0
        taken = await self.driver.take_prompt(PLATFORM, str(message.chat_id), str(prompt.message_id), actor,
                                              grace=grace)
        if not taken:
            return  # an ordinary reply to the bot, or someone else's prompt
        card_message = taken.card_message_id or ""
        card_id = int(card_message) if card_message.isdigit() else None
        kind = ActionKind(taken.kind)
        lang = await self.lang_of(actor, user)
        port = self.port(context, message, user, lang)
        # the prompt for approving a STOP case said that the reply confirms it (Telegram's confirm step)
        reply = ReasonReply(actor, kind, taken.case_id, port.at(card_id), lang,
                            reason=(message.text or message.caption or "").strip(), arg=taken.arg,
                            confirmed=kind is ActionKind.APPROVE)
        try:
            await self.driver.reason(reply, port)
        except ChatGone:
            return

    # --- helpers -----------------------------------------------------------------------------

    async def _reply(self, context: ContextTypes.DEFAULT_TYPE, message: Message, text: str) -> None:
        try:
            await self.sender(context).send(message.chat_id, text, reply_to=message.message_id,
                                            thread=thread_of(message))
        except ChatGone:
            pass

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", context.error, exc_info=context.error)


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
    handlers.bot = application.bot
    application.bot_data[_HANDLERS] = handlers


_HANDLERS = "tradecheck.handlers"


async def resume_checks(application: Application) -> None:
    """The resumer of `application`'s handlers: finishes the `/check` jobs of processes that died.
    Run as a task while the Application runs (webhook or polling)."""
    handlers = application.bot_data.get(_HANDLERS)
    if isinstance(handlers, TelegramHandlers):
        await handlers.jobs.resumer()


def start_resumer(application: Application) -> asyncio.Task[None]:
    return asyncio.ensure_future(resume_checks(application))
