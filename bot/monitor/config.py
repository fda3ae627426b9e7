"""The monitor's knobs and its schedule policy: job kinds, leases, batches, days between re-checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from checks import lifecycle
from storage import jobs as jobstore
from storage import outbox

if TYPE_CHECKING:
    from checks.engine import Engine
    from checks.policy import Policy

RECHECK, REMINDER = "recheck", "approval_reminder"  # job kinds
TERMINAL = "terminal"  # the terminal chat's platform
MAX_REMINDERS = 3
# Without a readable policy file (or a level it gives 0 days): days between re-checks per level.
DEFAULT_RECHECK_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 365}


@dataclass
class MonitorConfig:
    """Per-process knobs (tests shorten leases; `engine` replaces the product's engine)."""

    engine: Engine | None = None
    job_lease_seconds: float = jobstore.LEASE_SECONDS
    outbox_lease_seconds: float = outbox.LEASE_SECONDS
    batch: int = 20
    outbox_batch: int = 5
    outbox_per_tick: int = 200
    outbox_max_send_seconds: float = 300.0
    plan_every_seconds: float = 60.0
    recheck_horizon: timedelta = timedelta(hours=1)


def recheck_days(policy: Policy | None, level: str | None) -> int:
    """Days between re-checks for a risk level: the policy's `recheck_days`, else 7/30/90/365."""
    from checks.models import RiskLevel

    name = level if level in lifecycle.LEVELS else "low"
    if policy is not None:
        days = policy.recheck_days.get(RiskLevel(name))
        if days:
            return int(days)
    return DEFAULT_RECHECK_DAYS[name]


def reminder_hours(configured: float) -> float:
    """Hours between approval reminders: TRADECHECK_APPROVAL_REMINDER_HOURS, else 24."""
    return configured if configured > 0 else 24.0
