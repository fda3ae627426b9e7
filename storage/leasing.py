"""Claiming rows under a lease, the one scheme jobs and the outbox share.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on or share a row.
SQLite (one writer at a time): a compare-and-set on `attempts` per row, so two processes that read the
same candidates claim each row once; the loser's update matches nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from .db import rowcount


def claim_ids(session: Session, dialect: str, model: Any, condition: ColumnElement[bool], order: tuple[Any, ...],
              limit: int, still_claimable: ColumnElement[bool], values: dict[str, Any]) -> list[int]:
    """Ids of up to `limit` rows matching `condition`, now set to `values` with `attempts` + 1."""
    if dialect == "postgresql":
        ids = list(session.exec(select(model.id).where(condition).order_by(*order).limit(limit)
                                .with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(model).where(col(model.id).in_(ids)).values(**values, attempts=model.attempts + 1))
        return ids
    ids = []
    for row_id, attempts in session.exec(select(model.id, model.attempts).where(condition).order_by(*order).limit(limit)):
        result = session.execute(
            update(model).where(col(model.id) == row_id, col(model.attempts) == attempts, still_claimable)
            .values(**values, attempts=attempts + 1)
        )
        if rowcount(result) == 1:
            ids.append(row_id)
    return ids
