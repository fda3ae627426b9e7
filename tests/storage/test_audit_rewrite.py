"""Rewriting the audit trail is refused by the database itself, on SQLite and PostgreSQL, whatever
the statement: UPDATE, DELETE, SQLite's INSERT OR REPLACE / REPLACE INTO / upsert over an existing
event, PostgreSQL's TRUNCATE (also reached by TRUNCATE … CASCADE from a parent table)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import audit
from tests import databases

from .support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

COLUMNS = "id, workspace_id, case_id, actor, actor_name, action, details, at"
FORGED = ":id, NULL, NULL, 'terminal:mallory', 'Mallory', 'note_added', :details, CURRENT_TIMESTAMP"


def _two_events(url: str) -> list[int]:
    database = databases.get_database(url)
    ids = []
    with database.session() as session:
        for who in ("li", "wang"):
            event = audit.record(session, "note_added", actor=f"terminal:{who}", actor_name=who, details={"text": who})
            session.flush()
            ids.append(event.id)
        session.commit()
    return ids


def _trail(url: str) -> list[tuple[int, str]]:
    with databases.get_database(url).engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT id, actor FROM audit_event ORDER BY id"))]


def _statements(dialect: str) -> list[str]:
    common = [
        "UPDATE audit_event SET actor = 'terminal:mallory' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "DELETE FROM audit_event",
    ]
    if dialect == "sqlite":
        return common + [
            f"INSERT OR REPLACE INTO audit_event ({COLUMNS}) VALUES ({FORGED})",
            f"REPLACE INTO audit_event ({COLUMNS}) VALUES ({FORGED})",
            f"INSERT INTO audit_event ({COLUMNS}) VALUES ({FORGED}) ON CONFLICT(id) DO UPDATE SET actor = excluded.actor",
        ]
    return common + [
        "TRUNCATE audit_event",
        'TRUNCATE "case" CASCADE',
        f"INSERT INTO audit_event ({COLUMNS}) VALUES ({FORGED}) ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
    ]


def test_every_rewrite_of_the_audit_trail_is_refused(db_url: str) -> None:
    database = databases.get_database(db_url)
    first, second = _two_events(db_url)
    before = _trail(db_url)
    statements = _statements(database.dialect)
    refused = 0
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement), {"id": first, "details": json.dumps({"text": "forged"})})
        refused += 1
        assert _trail(db_url) == before, statement
    assert refused == len(statements) == 6
    assert before == [(first, "terminal:li"), (second, "terminal:wang")]


def test_new_events_are_still_appended_after_the_triggers(db_url: str) -> None:
    """The refusal is for existing ids only: appending (explicit new id or autoincrement) works."""
    database = databases.get_database(db_url)
    first, second = _two_events(db_url)
    with database.engine.begin() as connection:
        connection.execute(text(f"INSERT INTO audit_event ({COLUMNS}) VALUES ({FORGED})"),
                           {"id": second + 100, "details": json.dumps({"text": "appended"})})
    third, fourth = _two_events(db_url)
    ids = [row[0] for row in _trail(db_url)]
    assert ids[:2] == [first, second] and second + 100 in ids and len(set(ids)) == len(ids) == 5
    assert third != fourth
