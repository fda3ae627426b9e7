"""The case status a check leaves behind: pending approval at or above the policy's level, open below it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from checks.lifecycle import Refusal
from storage import cases as store
from storage import db as storage_db
from storage.buyers import buyer_keys
from storage.models import AuditEvent, aware, utcnow
from tests import databases

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
    database = databases.get_database(db_url)
    database.ensure_ready()
    assert _check(database, level, required).status == status


def test_pending_without_a_request_opens_again_below_the_level_but_a_request_stays(db_url: str) -> None:
    database = databases.get_database(db_url)
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


def _pending_with_request(database: storage_db.Database) -> int:
    """A high-risk case that Li asked a decision about; its id."""
    case = _check(database, "high", True)
    with database.session() as session:
        loaded = session.get(store.Case, case.id)
        assert loaded is not None
        store.request_approval(session, loaded, LI, reason="long-standing customer")
        session.commit()
    assert case.id is not None
    return case.id


def test_a_lost_compare_and_set_refuses_without_rolling_back_the_callers_work(db_url: str) -> None:
    """Before, `_cas_status` rolled back the caller's whole session: work done earlier in the same
    transaction (here a note) was lost with the refused decision."""
    database = databases.get_database(db_url)
    database.ensure_ready()
    case_id = _pending_with_request(database)
    with database.session() as session:
        case = session.get(store.Case, case_id)
        assert case is not None and case.status == "pending_approval"
        # someone else rejects it meanwhile (raw SQL: the loaded row does not learn of it)
        session.execute(text('UPDATE "case" SET status = \'rejected\' WHERE id = :id'), {"id": case_id})
        store.add_note(session, case, BOSS, "called the buyer")
        with pytest.raises(store.Refused) as refused:
            store.decide(session, case, BOSS, "manager", "approve", reason="ok")
        assert refused.value.code is Refusal.CHANGED_MEANWHILE and refused.value.params == {"id": case_id}
        session.commit()
    with database.session() as session:
        assert [n.text for n in store.notes(session, case_id)] == ["called the buyer"]
        assert session.get(store.Case, case_id).status == "rejected"  # type: ignore[union-attr]
        assert store.latest_decision(session, case_id) is None  # nothing decided


def test_four_eyes_and_expiry_are_persisted(db_url: str) -> None:
    database = databases.get_database(db_url)
    database.ensure_ready()
    case_id = _pending_with_request(database)
    with database.session() as session:
        case = session.get(store.Case, case_id)
        assert case is not None
        with pytest.raises(store.Refused) as refused:  # Li asked: Li may not decide, even as a manager
            store.decide(session, case, LI, "manager", "approve", reason="I know them", reason_required=True)
        assert refused.value.code is Refusal.OWN_REQUEST
        with pytest.raises(store.Refused) as refused:
            store.decide(session, case, BOSS, "sales", "approve", reason="ok")
        assert refused.value.code is Refusal.NOT_MANAGER
        approval = store.decide(session, case, BOSS, "manager", "approve", reason="known", reason_code="nonsense",
                                expiry_days=30)
        session.commit()
        assert case.status == "approved" and approval.reason_code == "other"
        assert approval.expires_at is not None and approval.decided_at is not None
        assert aware(approval.expires_at) - aware(approval.decided_at) == timedelta(days=30)  # type: ignore[operator]
        assert not store.expire_approval(session, case)  # not yet
        approval.expires_at = utcnow() - timedelta(seconds=1)
        session.add(approval)
        session.commit()
        assert store.expire_approval(session, case)
        session.commit()
        assert case.status == "open"
        with pytest.raises(store.Refused) as refused:  # nobody asked again: there is nothing to approve
            store.decide(session, case, BOSS, "manager", "approve", reason="still fine")
        assert refused.value.code is Refusal.NOT_PENDING and refused.value.params == {"id": case_id}
    with database.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions[-3:] == ["approval_requested", "approved", "approval_expired"]


def test_a_higher_risk_invalidates_an_approval(db_url: str) -> None:
    database = databases.get_database(db_url)
    database.ensure_ready()
    case_id = _pending_with_request(database)
    with database.session() as session:
        case = session.get(store.Case, case_id)
        assert case is not None
        store.decide(session, case, BOSS, "manager", "approve", reason="known", reason_required=True)
        session.commit()
    assert _check(database, "high", True).status == "approved"  # the same risk: it still counts
    assert _check(database, "critical", True).status == "pending_approval"
    with database.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "approval_invalidated")).one()
    assert event.details == {"risk": "critical", "approved_at_risk": "high", "risk_now": "critical"}
