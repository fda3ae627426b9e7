"""The PostgreSQL role setup README recommends for production, run for real: migrations as an owner
role, the bot as a runtime role that reads and writes rows but cannot TRUNCATE, ALTER (disable the
audit triggers) or DROP — and whose UPDATE/DELETE on the audit trail the triggers still refuse."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage import audit
from storage import db as storage_db
from storage.db import Database, make_engine
from tests import databases

from .support import PG_ENV, SKIP_PG, with_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(SKIP_PG)
    base = storage_db.normalize_url(base)
    tag = uuid.uuid4().hex[:8]
    owner, app, schema = f"tc_owner_{tag}", f"tc_app_{tag}", f"roles_{tag}"
    admin = create_engine(base)
    with admin.begin() as connection:
        for role in (owner, app):
            connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        connection.execute(text(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{owner}"'))
        # README's statements, for this schema instead of public
        connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{app}"'))
        connection.execute(text(f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{schema}" '
                                f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}"'))
        connection.execute(text(f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{schema}" '
                                f'GRANT USAGE, SELECT ON SEQUENCES TO "{app}"'))
    as_role = {role: with_schema(make_url(base).set(username=role).render_as_string(hide_password=False), schema)
               for role in (owner, app)}
    try:
        yield as_role[owner], as_role[app]
    finally:
        databases.reset()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            for role in (app, owner):
                connection.execute(text(f'DROP OWNED BY "{role}"'))
                connection.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_the_runtime_role_cannot_rewrite_or_unprotect_the_audit_trail(roles: tuple[str, str]) -> None:
    owner_url, app_url = roles
    owner = Database(url=owner_url, engine=make_engine(owner_url))
    owner.upgrade()  # `tradecheck db upgrade` with the owner's URL
    owner.engine.dispose()

    app = Database(url=app_url, engine=make_engine(app_url))
    assert app.current() == app.head()  # the bot's start-up check works as the runtime role
    with app.session() as session:  # and so does its ordinary work
        event = audit.record(session, "note_added", actor="slack:U1", actor_name="Li", details={"text": "ok"})
        session.commit()
        event_id = event.id
    for statement, error in (
        ("UPDATE audit_event SET actor = 'x' WHERE id = :id", "append-only"),
        ("DELETE FROM audit_event WHERE id = :id", "append-only"),
        ("TRUNCATE audit_event", "permission denied"),
        ("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change", "must be owner"),
        ("DROP TABLE audit_event", "must be owner"),
        ("CREATE TABLE sneaky (id int)", "permission denied"),
    ):
        with pytest.raises(DBAPIError, match=error), app.engine.begin() as connection:
            connection.execute(text(statement), {"id": event_id})
    with app.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
    app.engine.dispose()
