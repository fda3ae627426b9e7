"""What the monitor (scheduled re-checks, reminders, list alerts) needs from the application layer
(`bot.monitor.runtime.MonitoringPort`); the re-check schedule itself is the monitor's (bot/monitor/config.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scoring import Scoring
from .types import Actor, CheckOutcome

if TYPE_CHECKING:
    from checks.engine import Engine

    from .runtime import Runtime


class MonitoringService:
    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime
        self._scoring = Scoring(runtime)

    def approval_expiry_days(self) -> int:
        """How long an approval is valid (the policy's `approval_expiry_days`, else 180)."""
        return self._scoring.approval_expiry_days()

    async def recheck_case(self, case_id: int, workspace: str, *, engine: Engine | None = None) -> CheckOutcome:
        """A scheduled re-check, run as the system user of the case's workspace. Raises
        `storage.cases.Refused` when the case was never checked."""
        actor = Actor("system", "monitor", "tradecheck", workspace=workspace)
        return await self._rt.checking.recheck(case_id, actor, engine=engine)

    async def mark_conversation_dead(self, platform: str, channel: str) -> None:
        await self._rt.chat.mark_conversation_dead(platform, channel)
