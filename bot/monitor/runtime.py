"""What the monitor needs from the application runtime (`bot.app.Runtime` provides it): the settings,
the database, the policy, the default language, re-checking a case as the system user and marking a
conversation dead.

Passed in, never looked up: an entry point builds a `Monitor` over its runtime, a test over its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..settings import BotSettings

if TYPE_CHECKING:
    from checks.engine import Engine
    from checks.policy import Policy
    from checks.screening.service import ScreeningService
    from storage.db import Database


class MonitoringPort(Protocol):
    async def recheck_case(self, case_id: int, workspace: str, *, engine: Engine | None = None) -> Any:
        """Check the case again as the system user of its workspace; the outcome has `.report`."""
        ...

    async def mark_conversation_dead(self, platform: str, channel: str) -> None: ...


class MonitorRuntime(Protocol):
    @property
    def settings(self) -> BotSettings: ...

    def ensure_database(self) -> Database: ...

    @property
    def policy(self) -> Policy | None: ...

    def default_lang(self) -> str: ...

    @property
    def monitoring(self) -> MonitoringPort: ...

    @property
    def screening(self) -> ScreeningService:
        """The sanctions lists the runtime's engines screen against (reloaded after a list update)."""
        ...
