"""The case status a check leaves behind: pending approval at or above the policy's level, open below it."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage import cases as store
from storage import db as storage_db
from storage.buyers import buyer_keys
from storage.models import AuditEvent

from .support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

LI = store.Who("terminal", "li", "Li Wei")
BOSS = store.Who("terminal", "boss", "Boss Wang")


def _check(database: storage_db.Database, level: str, required: bool, who: store.Who = LI) -> store.Case:
    keys = buyer_keys("Sunrise Textiles", "IR")
    saved = store.save_check(database, who, keys, request={}, report={}, risk_level=level, score=70 if required else 5,
                             approval_required=required, lists_as_of={})
    return saved.case


@pytest.mark.parametrize("level, required, status", [("high", True, "pending_approval"), ("low", False, "open")])
def test_a_first_check_sets_the_status_by_the_approval_level(db_url: str, level: str, required: bool, status: str) -> None:
    database = storage_db.get_database(db_url)
    database.ensure_ready()
    assert _check(database, level, required).status == status


def test_pending_without_a_request_opens_again_below_the_level_but_a_request_stays(db_url: str) -> None:
    database = storage_db.get_database(db_url)
    database.ensure_ready()
    assert _check(database, "high", True).status == "pending_approval"
    assert _check(database, "low", False).status == "open"  # nobody had asked: back to open
    assert _check(database, "high", True).status == "pending_approval"
    with database.session() as session:
        case = session.get(store.Case, 1)
        assert case is not None
        store.request_approval(session, case, LI)  # the case was pending without a request: asking is allowed
        session.commit()
    assert _check(database, "low", False).status == "pending_approval"  # somebody asked: a manager decides
    with database.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions.count("approval_needed") == 2 and actions.count("approval_not_needed") == 1
    assert "approval_requested" in actions
