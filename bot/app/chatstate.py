"""Chat state kept in the database: the user's language, reason prompts, delivered updates, and where
each case's card lives (so decisions and re-check results reach it from any server)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from checks.i18n import normalize_lang
from storage import chatstate

from ..card import ActionKind
from .types import Actor, Conversation, Prompt

if TYPE_CHECKING:
    from .runtime import Runtime


class ChatStateService:
    """Every call runs its database work off the event loop; the short reads an adapter makes
    before acknowledging a request (language, prompts, first delivery) use the runtime's fast pool."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    # --- language ---------------------------------------------------------------------------------
    async def get_user_lang(self, actor: Actor) -> str | None:
        """The language this person chose (`/lang`), or None."""
        database = await self._rt.ready_database()

        def read() -> str | None:
            with database.session() as session:
                return chatstate.get_lang(session, actor.platform, actor.user_id)

        return await self._rt.offload(read, fast=True)

    async def user_lang(self, actor: Actor) -> str:
        """The person's chosen language, else the team's default."""
        return await self.get_user_lang(actor) or self._rt.default_lang()

    async def set_user_lang(self, actor: Actor, lang: str) -> None:
        database = await self._rt.ready_database()

        def write() -> None:
            with database.session() as session:
                chatstate.set_lang(session, actor, normalize_lang(lang))
                session.commit()

        await self._rt.offload(write)

    # --- reason prompts ---------------------------------------------------------------------------
    async def save_prompt(self, platform: str, chat: str, prompt_message_id: str, kind: ActionKind | str,
                          case_id: int, actor: Actor, *, arg: str = "", card_message_id: str | None = None) -> None:
        """Remember that the message `prompt_message_id` asks `actor` for the reason of `kind` on `case_id`."""
        database = await self._rt.ready_database()

        def write() -> None:
            with database.session() as session:
                chatstate.save_prompt(session, platform, str(chat), str(prompt_message_id), ActionKind(kind).value,
                                      int(case_id), actor.key, arg=arg,
                                      card_message_id=str(card_message_id) if card_message_id is not None else None)
                session.commit()

        await self._rt.offload(write, fast=True)

    async def take_prompt(self, platform: str, chat: str, prompt_message_id: str, actor: Actor) -> Prompt | None:
        """The prompt this reply answers, if it was this actor's and nobody took it yet (once)."""
        database = await self._rt.ready_database()

        def take() -> Prompt | None:
            with database.session() as session:
                taken = chatstate.take_prompt(session, platform, str(chat), str(prompt_message_id), actor.key)
                session.commit()
            return dataclasses.replace(taken, kind=ActionKind(taken.kind)) if taken is not None else None

        return await self._rt.offload(take, fast=True)

    # --- deliveries and conversations -------------------------------------------------------------
    async def first_delivery(self, platform: str, key: str) -> bool:
        """True the first time this update/event key is seen (platforms redeliver)."""
        database = await self._rt.ready_database()

        def claim() -> bool:
            with database.session() as session:
                first = chatstate.first_delivery(session, platform, key)
                session.commit()
            return first

        return await self._rt.offload(claim, fast=True)

    async def mark_conversation_dead(self, platform: str, channel: str) -> None:
        """The bot was removed from this chat: stop sending there."""
        database = await self._rt.ready_database()

        def write() -> None:
            with database.session() as session:
                chatstate.mark_dead(session, platform, str(channel))
                session.commit()

        await self._rt.offload(write)

    async def link_card(self, case_id: int, conversation: Conversation) -> None:
        """Remember where a card was posted so later updates and re-check results reach it."""
        database = await self._rt.ready_database()

        def write() -> None:
            with database.session() as session:
                chatstate.link(session, case_id, conversation.platform, conversation.workspace, conversation.channel,
                               conversation.thread, conversation.message)
                session.commit()

        await self._rt.offload(write)

    async def card_in_chat(self, case_id: int, conversation: Conversation) -> bool:
        """Whether the case's card was posted in this chat. A button is a claim about the message it sits
        on: a press in one chat naming a case whose card is in another is a forged payload."""
        database = await self._rt.ready_database()

        def read() -> bool:
            with database.session() as session:
                return any(link.platform == conversation.platform and link.workspace == conversation.workspace
                           and link.channel == conversation.channel for link in chatstate.links(session, case_id))

        return await self._rt.offload(read, fast=True)
