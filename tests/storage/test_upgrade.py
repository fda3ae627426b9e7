"""A database holding data written at schema 0001 upgrades to head with nothing lost, on SQLite and
on PostgreSQL (a schema of its own), and the product then works on it: the old case is found by
its key, the old delivery key still counts as handled, the audit trail stays append-only."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from storage import chatstate
from storage import db as storage_db
from storage.db import Database, make_engine
from tests import databases

from .support import PG_ENV, SKIP_PG, with_schema

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ROWS = [
    ("INSERT INTO workspace (id, key, name, created_at) VALUES (1, 'T0OLD', 'Old team', :at)", {}),
    ('INSERT INTO "user" (id, platform, platform_user_id, display_name, role, lang, workspace_id, created_at, updated_at) '
     "VALUES (1, 'slack', 'U1', 'Li', 'manager', 'zh', 1, :at, :at)", {}),
    ('INSERT INTO "case" (id, workspace_id, name, normalized_name, base_name, country, domains, identifiers, status, '
     "last_request, last_risk_level, last_score, last_checked_at, watching, next_recheck_at, created_by, created_at, "
     "updated_at) VALUES (1, 1, 'Old Buyer LLC', 'old buyer llc', 'old buyer', 'AE', :domains, :ids, 'open', :request, "
     "'high', 55, :at, :yes, NULL, 'slack:U1', :at, :at)",
     {"domains": json.dumps(["oldbuyer.example"]), "ids": json.dumps({}),
      "request": json.dumps({"company": "Old Buyer LLC", "country": "AE"})}),
    ("INSERT INTO case_key (id, workspace_id, case_id, kind, key) VALUES (1, 1, 1, 'name', 'name:old buyer llc|AE')", {}),
    ("INSERT INTO audit_event (id, workspace_id, case_id, actor, actor_name, action, details, at) "
     "VALUES (1, 1, 1, 'slack:U1', 'Li', 'check', :details, :at)", {"details": json.dumps({"risk": "high"})}),
    ("INSERT INTO processed_delivery (id, platform, key, at) VALUES (1, 'slack', 'command:old-trigger', :at)", {}),
    ("INSERT INTO pending_prompt (id, platform, chat, prompt_message_id, kind, case_id, actor, created_at, expires_at) "
     "VALUES (1, 'telegram', '42', '7', 'note', 1, 'telegram:9', :at, :at)", {}),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(SKIP_PG)
    base = storage_db.normalize_url(base)
    schema = f"u_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_schema(base, schema)
    finally:
        databases.reset()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_data_written_at_0001_survives_the_upgrade_to_head(empty_url: str) -> None:
    database = Database(url=empty_url, engine=make_engine(empty_url))
    database.upgrade("0001")
    with database.engine.begin() as connection:
        for statement, params in ROWS:
            connection.execute(text(statement), {"at": AT, "yes": True, **params})
        if database.dialect == "postgresql":  # explicit ids: move the sequences past them, as a real 0001 database has
            for table in ("workspace", "user", "case", "case_key", "audit_event", "processed_delivery", "pending_prompt"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), 1)"))
    assert database.current() == "0001"

    database.upgrade()
    assert database.current() == database.head() != "0001"

    from storage.buyers import buyer_keys
    from storage.cases import find_case
    from storage.models import AuditEvent, Case, PendingPrompt, ProcessedDelivery, User

    with database.session() as session:
        case = session.get(Case, 1)
        assert case is not None and case.name == "Old Buyer LLC" and case.domains == ["oldbuyer.example"]
        assert case.last_request == {"company": "Old Buyer LLC", "country": "AE"} and case.watching is True
        found = find_case(session, 1, buyer_keys("Old Buyer L.L.C.", country="AE"))
        assert found is not None and found[0].id == 1
        person = session.get(User, 1)
        assert person is not None and (person.role, person.lang) == ("manager", "zh")
        prompt = session.get(PendingPrompt, 1)
        assert prompt is not None and prompt.arg == "" and prompt.card_message_id is None  # 0003's defaults
        delivery = session.get(ProcessedDelivery, 1)
        assert delivery is not None and delivery.lease_until is None  # an old key is final
        event = session.get(AuditEvent, 1)
        assert event is not None and event.details == {"risk": "high"}
        # the product works on the upgraded data
        assert chatstate.claim_delivery(session, "slack", "command:old-trigger").state == chatstate.DONE
        assert chatstate.claim_delivery(session, "slack", "command:new-trigger").state == chatstate.CLAIMED
        session.commit()
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE id = 1"))
    database.engine.dispose()
