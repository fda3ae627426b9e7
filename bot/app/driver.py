"""The one interaction driver every chat adapter uses.

An adapter turns a platform payload into a neutral event (`CheckCommand`, `ButtonPress`,
`ReasonReply`) and implements `ChatPort` (how to post, edit, ask and tell on its platform); the
driver does the rest, the same way for every platform:

- a check: placeholder card → coalesced progress edits → finished card → remember where it is;
- a button: is the card really in this chat (if the platform asks), resolve a hashed argument,
  `can_perform` BEFORE asking the person for anything, ask for a reason or act, show the result;
- a reason (typed in a modal or a reply): act, show the result.

Permissions are decided by the application layer (`AppServices`), never here and never by an
adapter: `perform_action` checks them again whatever a payload says.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from checks.i18n import t
from checks.lifecycle import MAY_NEED_REASON  # actions that may need a typed reason (one definition)

from ..card import DEFAULT_CARD_SETTINGS, ActionKind, Card, CardSettings, build_card
from ..progress import Coalescer

if TYPE_CHECKING:
    from checks.engine import Engine
    from checks.models import Report
    from checks.request import CheckRequest
    from storage.db import Database

    from .types import ActionResult, Actor, Attachment, CheckOutcome, Conversation, Prompt

log = logging.getLogger(__name__)


def new_ref() -> str:
    """A short reference shown to the person and written in the log next to the traceback."""
    return uuid.uuid4().hex[:8]


# --- neutral events: what an adapter makes of a platform payload ---------------------------------------
@dataclass(frozen=True)
class CheckCommand:
    """`/check …` (or "check this sender"): `where` is the chat (and thread) to post the card in."""

    actor: Actor
    request: CheckRequest
    where: Conversation
    lang: str


@dataclass(frozen=True)
class ButtonPress:
    """A card button. `card` is where the pressed card is (`message` = its message id).

    `arg_hash` is set instead of `arg` when the platform's payload could not carry the argument
    (see bot/render/buttons.py); `confirmed`: the platform's own confirm dialog was accepted;
    `check_origin`: refuse a press on a case whose card was never posted in this chat (a forged
    payload), for platforms whose button data is not signed per message.
    """

    actor: Actor
    kind: ActionKind
    case_id: int
    card: Conversation
    lang: str
    arg: str = ""
    arg_hash: str | None = None
    confirmed: bool = False
    check_origin: bool = False


@dataclass(frozen=True)
class ReasonReply:
    """The text a person typed after `ChatPort.ask_reason` (a modal's field, a reply to a prompt)."""

    actor: Actor
    kind: ActionKind
    case_id: int
    card: Conversation
    lang: str
    reason: str
    arg: str = ""
    deal: str | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class ReasonRequest:
    """What `ChatPort.ask_reason` asks for. `prompt` is the action's value, or "approve_stop"
    (approving a STOP case: the reason also confirms it)."""

    kind: ActionKind
    case_id: int
    arg: str
    prompt: str
    lang: str
    confirmed: bool = False


# --- the platform port: what an adapter implements, bound to one interaction ----------------------------
class ChatPort(Protocol):
    """One interaction's way back to the person: the chat it came from, the person who acted.

    Locations are `Conversation`s (`message` = the platform's message id). Every text passed in is
    plain (not yet escaped): the port escapes it for its markup.
    """

    platform: str
    # Whether the line confirming an action ("Note added to #12") is shown to everyone in the chat
    # (True) or to the acting person only (False). Announcements are always public.
    public_confirmations: bool
    # Seconds the permission check may take before the port must ask anyway (a Slack trigger id
    # lives 3 s); None: no limit. The action checks permissions again when the reason arrives.
    ask_deadline: float | None

    async def post_placeholder(self, command: CheckCommand, card: Card, preface: list[str]) -> Conversation | None:
        """Post the "checking…" card in `command.where` (`preface`: what the parser understood). Returns where it is
        (its `thread` may differ, e.g. moved to a direct message); None: it could not be posted."""
        ...

    async def update_card(self, at: Conversation, card: Card, *, final: bool) -> Conversation | None:
        """Edit the card at `at`. A progress edit (`final=False`) may be skipped (rate limits); the
        final one must land: returns where the card is then (re-posted if it could not be edited),
        or None if the chat is gone."""
        ...

    async def show_failure(self, at: Conversation, ref: str) -> None:
        """The check failed: replace the placeholder with an apology (`ref` is in the log)."""
        ...

    async def notify(self, text: str) -> None:
        """Tell the acting person (privately where the platform can)."""
        ...

    async def say(self, text: str) -> None:
        """A line everyone in the interaction's conversation sees (in the card's thread)."""
        ...

    async def ask_reason(self, ask: ReasonRequest) -> str | None:
        """Ask the acting person for a reason. Returns the prompt message's id when the answer will
        come as a reply to it (the driver remembers the prompt), None when the platform carries
        the context itself (a modal's metadata)."""
        ...

    async def working(self, kind: ActionKind, case_id: int) -> None:
        """A slow action (a re-check) has started: tell the person, if the platform did not already."""
        ...

    async def open_details(self) -> None:
        """Details were asked for: open whatever shows them before the (slower) lookup, if needed."""
        ...

    async def show_details(self, result: ActionResult) -> None:
        """Show the detailed card (`result.card`), or `result.message` when it could not be built."""
        ...

    async def send_file(self, attachment: Attachment, comment: str) -> None:
        """Send a file (the evidence pack) into the card's conversation."""
        ...


# --- what the driver needs from the application layer ------------------------------------------------
class AppServices(Protocol):
    """The application-layer calls the driver makes; every one is async (no sync/async bridges)."""

    def engine(self) -> Engine: ...

    def describe_request(self, request: CheckRequest) -> list[str]: ...

    def card_settings(self) -> CardSettings: ...

    def ensure_database(self) -> Database: ...

    async def run_check(self, request: CheckRequest, actor: Actor, conversation: Conversation | None, *,
                        lang: str, engine: Engine | None,
                        on_progress: Callable[[Report], Awaitable[None]]) -> CheckOutcome: ...

    async def link_card(self, case_id: int, conversation: Conversation) -> None: ...

    async def card_in_chat(self, case_id: int, conversation: Conversation) -> bool: ...

    async def can_perform(self, actor: Actor, kind: ActionKind, case_id: int, lang: str) -> tuple[bool, str]: ...

    async def reason_prompt(self, kind: ActionKind, case_id: int, actor: Actor) -> str | None: ...

    async def perform_action(self, kind: ActionKind, case_id: int, actor: Actor, *, arg: str = "",
                             reason: str | None = None, deal: str | None = None, confirmed: bool = False,
                             lang: str | None = None, conversation: Conversation | None = None) -> ActionResult: ...

    async def current_card(self, case_id: int, actor: Actor, lang: str) -> Card | None: ...

    async def save_prompt(self, platform: str, chat: str, prompt_message_id: str, kind: ActionKind, case_id: int,
                          actor: Actor, *, arg: str = "", card_message_id: str | None = None) -> None: ...

    async def take_prompt(self, platform: str, chat: str, prompt_message_id: str, actor: Actor) -> Prompt | None: ...


def pending_card(request: CheckRequest, engine: Engine, lang: str,
                 settings: CardSettings = DEFAULT_CARD_SETTINGS) -> Card:
    """The card posted before any source answers: who is being checked and what is still running."""
    from checks.engine import subject_of
    from checks.models import Report

    pending = [s.name for s in engine.sources if s.applicable(request)] or ["…"]
    return build_card(Report(subject=subject_of(request), lang=lang, pending=pending), settings=settings)


@dataclass
class Driver:
    """placeholder → progress → card → link; permission → reason → action → result. One per adapter."""

    app: AppServices
    engine: Engine | None = None
    progress_interval: float = 1.0

    # --- /check ---------------------------------------------------------------------------------
    async def check(
        self,
        command: CheckCommand,
        port: ChatPort,
        *,
        at: Conversation | None = None,
        on_posted: Callable[[Conversation], Awaitable[bool]] | None = None,
    ) -> Conversation | None:
        """Post the placeholder, run the check with live edits, finish the card, remember where it is.

        `at`: the card is already posted (a check taken over from a process that died).
        `on_posted` records where the placeholder went; False from it means stop (None returned:
        someone else owns this check now). Returns where the card is (None: nothing was posted).
        """
        engine = self.engine or self.app.engine()
        request, lang = command.request, command.lang
        card_settings = self.app.card_settings()
        if at is None:
            preface = self.app.describe_request(request)
            at = await port.post_placeholder(command, pending_card(request, engine, lang, card_settings), preface)
            if at is None:
                return None
            if on_posted is not None and not await on_posted(at):
                return None
        card_at: Conversation = at
        updates: Coalescer[Card] = Coalescer(
            lambda card: port.update_card(card_at, card, final=False), self.progress_interval)

        async def on_progress(report: Report) -> None:
            await updates.push(build_card(report, settings=card_settings))

        try:
            outcome = await self.app.run_check(request, command.actor, card_at, lang=lang, engine=engine,
                                               on_progress=on_progress)
        except Exception:
            ref = new_ref()
            log.exception("check failed (ref %s, user %s, %s chat %s)", ref, command.actor.key, port.platform,
                          command.where.channel)
            await updates.close()
            await port.show_failure(card_at, ref)
            return card_at
        await updates.close()
        final_at = await port.update_card(card_at, outcome.card, final=True)
        if final_at is None:
            return None
        if outcome.case is not None:
            await self.app.link_card(outcome.case.id, final_at)
        return final_at

    # --- a button ----------------------------------------------------------------------------------
    async def press(self, press: ButtonPress, port: ChatPort) -> None:
        if press.check_origin and not await self.app.card_in_chat(press.case_id, press.card):
            log.warning("%s button for case %s pressed in chat %s, where its card is not: refused",
                        port.platform, press.case_id, press.card.channel)
            await port.notify(t("driver.button.other_chat", press.lang, id=press.case_id))
            return
        arg = await self.resolve_arg(press)
        if arg is None:
            await port.notify(t("driver.button.stale", press.lang))
            return
        if press.kind in MAY_NEED_REASON and await self._ask_first(press, arg, port):
            return
        if press.kind is ActionKind.DETAILS:
            await port.open_details()
            result = await self._perform(press, arg)
            await port.show_details(result)
            return
        if press.kind is ActionKind.RECHECK:
            await port.working(press.kind, press.case_id)
        await self.show(await self._perform(press, arg), port, press.card, press.kind)

    async def _ask_first(self, press: ButtonPress, arg: str, port: ChatPort) -> bool:
        """May they, and does it need a reason? Refusal said, or reason asked: True (done here)."""
        async def decide() -> tuple[bool, str, str | None]:
            allowed, why = await self.app.can_perform(press.actor, press.kind, press.case_id, press.lang)
            if not allowed:
                return False, why, None
            return True, "", await self.app.reason_prompt(press.kind, press.case_id, press.actor)

        try:
            if port.ask_deadline is None:
                allowed, why, prompt = await decide()
            else:
                allowed, why, prompt = await asyncio.wait_for(decide(), port.ask_deadline)
        except TimeoutError:  # too slow to wait for: ask; the action checks again on submit
            allowed, why, prompt = True, "", press.kind.value
        if not allowed:
            await port.notify(why)
            return True
        if prompt is None:
            return False
        ask = ReasonRequest(press.kind, press.case_id, arg, prompt, press.lang, confirmed=press.confirmed)
        prompt_id = await port.ask_reason(ask)
        if prompt_id is not None:
            await self.app.save_prompt(port.platform, press.card.channel, prompt_id, press.kind, press.case_id,
                                       press.actor, arg=arg, card_message_id=press.card.message)
        return True

    async def _perform(self, press: ButtonPress, arg: str) -> ActionResult:
        return await self.app.perform_action(press.kind, press.case_id, press.actor, arg=arg, lang=press.lang,
                                             conversation=press.card, confirmed=press.confirmed)

    async def resolve_arg(self, press: ButtonPress) -> str | None:
        """The button's argument; a hashed one is found among the case's current card actions
        (read only: nothing is linked or changed). None: no such button on the card any more."""
        if press.arg_hash is None:
            return press.arg
        from ..render.buttons import arg_digest

        card = await self.app.current_card(press.case_id, press.actor, press.lang)
        for action in card.actions if card is not None else []:
            if action.kind is press.kind and arg_digest(action.arg) == press.arg_hash:
                return action.arg
        return None

    # --- a reason ----------------------------------------------------------------------------------
    async def take_prompt(self, platform: str, chat: str, prompt_message_id: str, actor: Actor, *,
                          grace: float = 0.0) -> Prompt | None:
        """The prompt a reply answers (once, and only the person it was for). `grace`: wait that long
        and look again when the reply may have overtaken the prompt being saved."""
        taken = await self.app.take_prompt(platform, chat, prompt_message_id, actor)
        if taken is None and grace > 0:
            await asyncio.sleep(grace)
            taken = await self.app.take_prompt(platform, chat, prompt_message_id, actor)
        return taken

    async def reason(self, reply: ReasonReply, port: ChatPort) -> None:
        result = await self.app.perform_action(
            reply.kind, reply.case_id, reply.actor, arg=reply.arg, reason=reply.reason.strip() or None,
            deal=reply.deal, lang=reply.lang, conversation=reply.card, confirmed=reply.confirmed)
        await self.show(result, port, reply.card, reply.kind, repost=reply.kind is not ActionKind.ADD_NOTE)

    # --- showing what an action did ------------------------------------------------------------------
    async def show(self, result: ActionResult, port: ChatPort, card: Conversation, kind: ActionKind, *,
                   repost: bool = False) -> None:
        """Refusals to the person; a file into the thread; the new card in place; the announcement
        (or the confirmation) in the conversation. `repost`: post the card anew when its message is
        not known."""
        if not result.ok:
            await port.notify(result.message)
            return
        if result.attachment is not None:
            await port.send_file(result.attachment, result.message)
            return
        if result.card is not None and (card.message is not None or repost):
            await port.update_card(card, result.card, final=True)
        if result.announce:
            await port.say(result.announce)
        elif result.message:
            await (port.say if port.public_confirmations else port.notify)(result.message)
