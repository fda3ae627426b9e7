"""Who pressed or typed: the Actor for a Slack user, their display name and their language.

Language, first match wins: the user's own choice (stored per user, e.g. from App Home), the
Slack client locale (`users.info` with `include_locale`), then `TRADECHECK_LANG`. The stored
choice goes first because it is the only one a person made on purpose. Profiles are cached per
process for a while: a cache only, losing it costs one `users.info` call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from checks.i18n import normalize_lang

from ..app.types import Actor

if TYPE_CHECKING:
    from ..app.runtime import Runtime

log = logging.getLogger(__name__)

PROFILE_TTL = 3600.0
LOOKUP_TIMEOUT = 1.0  # the lookup may happen before an ack: never let it eat the 3 s


@dataclass
class Profile:
    name: str = ""
    locale: str | None = None


_profiles: dict[str, tuple[float, Profile]] = {}


async def profile(client: AsyncWebClient, user_id: str) -> Profile:
    """Name and locale from users.info (needs users:read), cached; empty if Slack is slow or says no."""
    now = time.monotonic()
    cached = _profiles.get(user_id)
    if cached and now - cached[0] < PROFILE_TTL:
        return cached[1]
    found = Profile()
    try:
        response = await asyncio.wait_for(client.users_info(user=user_id, include_locale=True), LOOKUP_TIMEOUT)
        user: dict[str, Any] = response.get("user") or {}
        info = user.get("profile") or {}
        found = Profile(
            name=info.get("display_name") or info.get("real_name") or user.get("real_name") or user.get("name") or "",
            locale=user.get("locale"),
        )
    except (TimeoutError, SlackApiError, OSError) as error:
        log.info("users.info for %s failed: %s", user_id, error)
        _profiles[user_id] = (now - PROFILE_TTL + 60, found)  # retry in a minute, not on every click
        return found
    _profiles[user_id] = (now, found)
    return found


def clear_cache() -> None:
    _profiles.clear()


async def actor_for(client: AsyncWebClient, user_id: str, team_id: str, fallback_name: str = "") -> tuple[Actor, Profile]:
    found = await profile(client, user_id)
    return Actor(platform="slack", user_id=user_id, name=found.name or fallback_name, workspace=team_id or "local"), found


async def lang_for(runtime: Runtime, actor: Actor, found: Profile) -> str:
    """The user's language: stored choice, then Slack locale, then the team default."""
    try:
        stored = await runtime.chat.get_user_lang(actor)  # before an ack: the service reads on the fast pool
    except Exception:  # the language must never be the reason a command fails
        log.warning("get_user_lang failed", exc_info=True)
        stored = None
    if stored:
        return normalize_lang(stored)
    if found.locale:
        return normalize_lang(found.locale)
    return runtime.default_lang()
