"""After `tradecheck lists update` changed trade-remedy data: re-check now every watched buyer whose
goods are known (hs= or goods=), instead of at its next scheduled date.

The re-check is the ordinary one (bot.monitor): it compares the new report with the last one
(checks.diff, rule `trade_remedy`) and tells the case's chat when a measure now covers the buyer's
goods, like a new list hit; nothing is said when nothing changed.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from storage import jobs as jobstore
from storage.models import Case, utcnow

from . import monitor


def recheck_watched_with_goods() -> int:
    """Queue an immediate re-check of each watched case whose last request names its goods; the count."""
    watched = [w for w in monitor._watched_cases() if w.request.get("hs") or w.request.get("goods")]
    if not watched:
        return 0
    now = utcnow()
    with monitor.database().session() as session:
        for case in watched:
            session.execute(update(Case).where(col(Case.id) == case.id, col(Case.watching).is_(True))
                            .values(next_recheck_at=now))
            jobstore.enqueue(session, monitor.RECHECK, jobstore.recheck_key(case.id, now), now, case_id=case.id)
        session.commit()
    return len(watched)
