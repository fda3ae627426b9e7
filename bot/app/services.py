"""The application layer as one object for the interaction driver (`driver.AppServices`) and the
adapters: every call goes to the runtime's services, async, with their database work off the loop.

    services = RuntimeServices(runtime)      # the entry point's runtime: required, never looked up
    driver = Driver(app=services, engine=…)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..card import ActionKind, Card, CardSettings

if TYPE_CHECKING:
    from checks.engine import Engine
    from checks.models import Report
    from checks.request import CheckRequest
    from storage.db import Database

    from .runtime import Runtime
    from .types import ActionResult, Actor, CheckOutcome, Conversation, Prompt

T = TypeVar("T")


class RuntimeServices:
    """`AppServices` (bot/app/driver.py) over one `Runtime`, plus what adapters call besides the driver
    (language, history, chat state, blocking work off the loop)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # --- checking -------------------------------------------------------------------------------
    def engine(self) -> Engine:
        return self.runtime.engine()

    def describe_request(self, request: CheckRequest) -> list[str]:
        return self.runtime.checking.describe_request(request)

    def default_lang(self) -> str:
        return self.runtime.default_lang()

    def card_settings(self) -> CardSettings:
        return self.runtime.card_settings

    def parse_now(self, text: str, lang: str | None = None) -> CheckRequest:
        """Parse `/check` text on the calling thread with the runtime's default language (raises RequestError)."""
        return self.runtime.checking.parse_now(text, lang)

    async def parse(self, text: str, lang: str | None = None) -> CheckRequest:
        """`/check` text parsed on the runtime's parse thread, off the event loop (raises RequestError)."""
        return await self.runtime.checking.parse(text, lang)

    async def run_check(self, request: CheckRequest, actor: Actor, conversation: Conversation | None, *,
                        lang: str, engine: Engine | None,
                        on_progress: Callable[[Report], Awaitable[None]]) -> CheckOutcome:
        return await self.runtime.checking.run_check(request, actor, conversation, lang=lang, engine=engine,
                                                     on_progress=on_progress)

    # --- the database ---------------------------------------------------------------------------
    def ensure_database(self) -> Database:
        """The runtime's database, its schema checked (blocking: call it off the event loop)."""
        return self.runtime.ensure_database()

    async def offload(self, function: Callable[..., T], *args: Any, fast: bool = False, **kwargs: Any) -> T:
        """Blocking (database) work off the event loop; `fast` for work before an acknowledgement."""
        return await self.runtime.offload(function, *args, fast=fast, **kwargs)

    # --- cases ----------------------------------------------------------------------------------
    async def can_perform(self, actor: Actor, kind: ActionKind, case_id: int, lang: str) -> tuple[bool, str]:
        permission = await self.runtime.cases.can_perform(actor, kind, case_id, lang)
        return permission.allowed, permission.why

    async def reason_prompt(self, kind: ActionKind, case_id: int, actor: Actor) -> str | None:
        return await self.runtime.cases.reason_prompt(kind, case_id, actor)

    async def perform_action(self, kind: ActionKind, case_id: int, actor: Actor, *, arg: str = "",
                             reason: str | None = None, deal: str | None = None, confirmed: bool = False,
                             lang: str | None = None, conversation: Conversation | None = None) -> ActionResult:
        return await self.runtime.cases.perform_action(kind, case_id, actor, arg=arg, reason=reason, deal=deal,
                                                       confirmed=confirmed, lang=lang, conversation=conversation)

    async def current_card(self, case_id: int, actor: Actor, lang: str) -> Card | None:
        """The case's card as it stands (read only: no action, nothing linked)."""
        return await self.runtime.cases.current_card(case_id, actor, lang)

    async def role_of(self, actor: Actor) -> str:
        return await self.runtime.cases.role_of(actor)

    # --- chat state -----------------------------------------------------------------------------
    async def link_card(self, case_id: int, conversation: Conversation) -> None:
        await self.runtime.chat.link_card(case_id, conversation)

    async def card_in_chat(self, case_id: int, conversation: Conversation) -> bool:
        return await self.runtime.chat.card_in_chat(case_id, conversation)

    async def save_prompt(self, platform: str, chat: str, prompt_message_id: str, kind: ActionKind, case_id: int,
                          actor: Actor, *, arg: str = "", card_message_id: str | None = None) -> None:
        await self.runtime.chat.save_prompt(platform, chat, prompt_message_id, kind, case_id, actor, arg=arg,
                                            card_message_id=card_message_id)

    async def take_prompt(self, platform: str, chat: str, prompt_message_id: str, actor: Actor) -> Prompt | None:
        return await self.runtime.chat.take_prompt(platform, chat, prompt_message_id, actor)

    async def get_user_lang(self, actor: Actor, *, fast: bool = True) -> str | None:
        """`fast` is accepted for the adapters' callers; the service always reads on the runtime's fast pool."""
        return await self.runtime.chat.get_user_lang(actor)

    async def set_user_lang(self, actor: Actor, lang: str) -> None:
        await self.runtime.chat.set_user_lang(actor, lang)

    async def first_delivery(self, platform: str, key: str) -> bool:
        return await self.runtime.chat.first_delivery(platform, key)

    async def mark_conversation_dead(self, platform: str, channel: str) -> None:
        await self.runtime.chat.mark_conversation_dead(platform, channel)

    # --- history --------------------------------------------------------------------------------
    async def history_text(self, query: str, actor: Actor, lang: str) -> list[str]:
        return await self.runtime.history.history_text(query, actor, lang)

    async def cases_text(self, actor: Actor, lang: str, status: str | None = None, limit: int = 20) -> list[str]:
        return await self.runtime.history.cases_text(actor, lang, status, limit)
