"""What the monitor needs from the application runtime, and the runtime it uses until the
application layer's `Runtime` (bot/app) is there: the database, the policy, the default language,
re-checking a case as the system user and marking a conversation dead.

Passed in, never looked up: a test builds a `Monitor` over its own runtime.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Protocol

from checks.config import Settings, get_settings

if TYPE_CHECKING:
    from checks.engine import Engine
    from checks.policy import Policy
    from storage.db import Database

log = logging.getLogger(__name__)


class MonitoringPort(Protocol):
    async def recheck_case(self, case_id: int, workspace: str, *, engine: Engine | None = None) -> Any:
        """Check the case again as the system user of its workspace; the outcome has `.report`."""
        ...

    async def mark_conversation_dead(self, platform: str, channel: str) -> None: ...


class MonitorRuntime(Protocol):
    @property
    def settings(self) -> Settings: ...

    def ensure_database(self) -> Database: ...

    @property
    def policy(self) -> Policy | None: ...

    def default_lang(self) -> str: ...

    @property
    def monitoring(self) -> MonitoringPort: ...


class _FlowsMonitoring:
    async def recheck_case(self, case_id: int, workspace: str, *, engine: Engine | None = None) -> Any:
        from .. import flows

        actor = flows.Actor("system", "monitor", "tradecheck", workspace=workspace)
        return await flows.recheck(case_id, actor, engine=engine)

    async def mark_conversation_dead(self, platform: str, channel: str) -> None:
        from .. import flows

        await asyncio.to_thread(flows.mark_conversation_dead, platform, channel)


class FlowsRuntime:
    """The runtime over `bot.flows` (the process's configured database and engine)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self.monitoring: MonitoringPort = _FlowsMonitoring()

    @property
    def settings(self) -> Settings:
        """The given settings, else the process's current ones (as `bot.flows` reads them)."""
        return self._settings if self._settings is not None else get_settings()

    def ensure_database(self) -> Database:
        from .. import flows

        return flows.ensure_database()

    @property
    def policy(self) -> Policy | None:
        """The risk policy; None when its file is broken (the default schedule applies then)."""
        from checks.policy import load_policy

        try:
            return load_policy(self.settings.policy_path)
        except Exception:
            log.exception("could not load the policy")
            return None

    def default_lang(self) -> str:
        from checks.i18n import normalize_lang

        return normalize_lang(self.settings.tradecheck_lang)
