"""DEPRECATED import shim for `bot.app` (the application layer); remove once no adapter imports it.

Every function delegates to a `Runtime` built from the current environment (cached per settings
object, so tests that change the environment get a fresh one; engines are shared as before). New
code builds its own `bot.app.Runtime` at its entry point and calls the runtime's services.
Signatures are the old ones: the functions that were sync still are (they run the async service on
a private event loop and must not be called on a running loop), the async ones are async.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from checks.engine import Engine, ProgressCallback
from checks.request import CheckRequest, RequestError
from storage.db import Database, DatabaseNotReady

from .app.cases import MAY_NEED_REASON, REASON_REQUIRED, WITH_DEAL
from .app.checking import describe_error, describe_request, keys_of
from .app.clears import MATCH_CODES, SCREENING_HITS, apply_clears, entry_fingerprint
from .app.findings import history_findings
from .app.runtime import Runtime
from .app.types import (
    ActionResult,
    Actor,
    Attachment,
    CheckOutcome,
    Conversation,
    Prompt,
)
from .card import ActionKind
from .settings import get_bot_settings

FlowResult = ActionResult
T = TypeVar("T")

__all__ = [
    "MATCH_CODES",
    "MAY_NEED_REASON",
    "REASON_REQUIRED",
    "SCREENING_HITS",
    "WITH_DEAL",
    "Actor",
    "Attachment",
    "CheckOutcome",
    "Conversation",
    "DatabaseNotReady",
    "FlowResult",
    "Prompt",
    "RequestError",
    "apply_clears",
    "approval_expiry_days",
    "can_perform",
    "card_in_chat",
    "cases_text",
    "default_lang",
    "describe_error",
    "describe_request",
    "ensure_database",
    "entry_fingerprint",
    "first_delivery",
    "get_engine",
    "get_user_lang",
    "history_findings",
    "history_text",
    "keys_of",
    "link_card",
    "mark_conversation_dead",
    "needs_reason",
    "open_case",
    "parse_request",
    "perform_action",
    "recheck",
    "role_of",
    "run_check",
    "save_prompt",
    "set_user_lang",
    "take_prompt",
    "warm_up",
]

_ENGINES: dict[bool, Engine] = {}  # one engine per offline flag for every shim runtime, as the old lru_cache
_RUNTIMES: dict[int, Runtime] = {}
_INSTALLED: list[Runtime] = []  # the entry point's runtime, for code that still calls the shim
_LOCK = threading.Lock()


def install(runtime: Runtime | None) -> None:
    """Let code that still goes through the shim (the monitor, unconverted adapters) use the entry
    point's runtime, so the process builds one engine; `install(None)` when the entry point ends."""
    with _LOCK:
        _INSTALLED[:] = [runtime] if runtime is not None else []


def runtime() -> Runtime:
    """The installed runtime, else the shim's runtime for the current settings object."""
    if _INSTALLED:
        return _INSTALLED[0]
    settings = get_bot_settings()
    with _LOCK:
        found = _RUNTIMES.get(id(settings))
        if found is None or found.settings is not settings:
            _RUNTIMES.clear()
            from storage.db import get_database  # the shim keeps the per-URL registry tests reset

            found = _RUNTIMES[id(settings)] = Runtime(settings, engine_cache=_ENGINES,
                                                      database=get_database(settings.database_url))
    return found


def _sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a service call to the end, blocking the caller as the old sync functions did (on a
    thread of its own when the caller is itself on an event loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="flows-shim") as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- sync, as before ----------------------------------------------------------------------------
def ensure_database() -> Database:
    return runtime().ensure_database()


def get_engine(offline: bool | None = None) -> Engine:
    return runtime().engine(offline)


def default_lang() -> str:
    return runtime().default_lang()


def parse_request(text: str, lang: str | None = None) -> CheckRequest:
    return runtime().checking.parse_now(text, lang)


def approval_expiry_days() -> int:
    return runtime().monitoring.approval_expiry_days()


def warm_up(offline: bool | None = None) -> None:
    _sync(runtime().checking.warm_up(offline))


def link_card(case_id: int, conversation: Conversation) -> None:
    _sync(runtime().chat.link_card(case_id, conversation))


def card_in_chat(case_id: int, conversation: Conversation) -> bool:
    return _sync(runtime().chat.card_in_chat(case_id, conversation))


def history_text(query: str, actor: Actor, lang: str) -> list[str]:
    return _sync(runtime().history.history_text(query, actor, lang))


def cases_text(actor: Actor, lang: str, status: str | None = None, limit: int = 20) -> list[str]:
    return _sync(runtime().history.cases_text(actor, lang, status, limit))


def save_prompt(platform: str, chat: str, prompt_message_id: str, kind: ActionKind, case_id: int, actor: Actor,
                *, arg: str = "", card_message_id: str | None = None) -> None:
    _sync(runtime().chat.save_prompt(platform, chat, prompt_message_id, kind, case_id, actor, arg=arg,
                                     card_message_id=card_message_id))


def take_prompt(platform: str, chat: str, prompt_message_id: str, actor: Actor) -> Prompt | None:
    return _sync(runtime().chat.take_prompt(platform, chat, prompt_message_id, actor))


def first_delivery(platform: str, key: str) -> bool:
    return _sync(runtime().chat.first_delivery(platform, key))


def mark_conversation_dead(platform: str, channel: str) -> None:
    _sync(runtime().chat.mark_conversation_dead(platform, channel))


def get_user_lang(actor: Actor) -> str | None:
    return _sync(runtime().chat.get_user_lang(actor))


def set_user_lang(actor: Actor, lang: str) -> None:
    _sync(runtime().chat.set_user_lang(actor, lang))


def role_of(actor: Actor) -> str:
    return _sync(runtime().cases.role_of(actor))


def can_perform(actor: Actor, kind: ActionKind | str, case_id: int, lang: str | None = None) -> tuple[bool, str]:
    permission = _sync(runtime().cases.can_perform(actor, kind, case_id, lang))
    return permission.allowed, permission.why


def needs_reason(kind: ActionKind, case_id: int, actor: Actor) -> bool:
    return _sync(runtime().cases.needs_reason(kind, case_id, actor))


def open_case(case_id: int, actor: Actor, lang: str) -> ActionResult:
    return _sync(runtime().cases.open_case(case_id, actor, lang))


# --- async, as before ---------------------------------------------------------------------------
async def run_check(text: str | CheckRequest, actor: Actor, conversation: Conversation | None = None, *,
                    lang: str | None = None, store: bool = True, engine: Engine | None = None,
                    on_progress: ProgressCallback | None = None, case_id: int | None = None) -> CheckOutcome:
    return await runtime().checking.run_check(text, actor, conversation, lang=lang, persist=store, engine=engine,
                                              on_progress=on_progress, case_id=case_id)


async def recheck(case_id: int, actor: Actor, conversation: Conversation | None = None, *, lang: str | None = None,
                  engine: Engine | None = None, on_progress: ProgressCallback | None = None) -> CheckOutcome:
    return await runtime().checking.recheck(case_id, actor, conversation, lang=lang, engine=engine,
                                            on_progress=on_progress)


async def perform_action(kind: ActionKind | str, case_id: int, actor: Actor, *, arg: str = "",
                         reason: str | None = None, deal: str | None = None, confirmed: bool = False,
                         lang: str | None = None, conversation: Conversation | None = None) -> ActionResult:
    return await runtime().cases.perform_action(kind, case_id, actor, arg=arg, reason=reason, deal=deal,
                                                confirmed=confirmed, lang=lang, conversation=conversation)

