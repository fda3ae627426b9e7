"""After `tradecheck lists update` changed trade-remedy data: re-check now every watched buyer whose
goods are known (hs= or goods=), instead of at its next scheduled date.

The re-check is the ordinary one (`recheck.py`): it compares the new report with the last one
(checks.diff, rule `trade_remedy`) and tells the case's chat when a measure now covers the buyer's
goods, like a new list hit; nothing is said when nothing changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.models import utcnow

from .list_alerts import watched_cases
from .planner import queue_recheck_now

if TYPE_CHECKING:
    from .service import Monitor


def recheck_watched_with_goods(monitor: Monitor) -> int:
    """Queue an immediate re-check of each watched case whose last request names its goods; the count."""
    watched = [w for w in watched_cases(monitor) if w.request.get("hs") or w.request.get("goods")]
    if not watched:
        return 0
    now = utcnow()
    with monitor.database().session() as session:
        for case in watched:
            queue_recheck_now(session, case.id, now)
        session.commit()
    return len(watched)
