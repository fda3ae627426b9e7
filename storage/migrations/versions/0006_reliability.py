"""reliability: an audit trail nothing can rewrite, and delivery claims that are leases

- audit_event: SQLite refuses `INSERT OR REPLACE` / `REPLACE INTO` over an existing event (the delete
  trigger does not fire on REPLACE's implicit delete); PostgreSQL refuses `TRUNCATE` (row triggers do
  not fire on it). UPDATE and DELETE were refused since 0001.
- processed_delivery: `lease_until` and `owner`. A delivery key is claimed for a few seconds and made
  final (`lease_until` NULL) only when its work is recorded durably; a claim whose owner died can be
  taken over by Slack's retry. Existing rows (NULL) are final.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_SQLITE_NO_REPLACE = """CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
   WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)
   BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"""
_PG_NO_TRUNCATE = """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
   FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_NO_REPLACE)
    elif dialect == "postgresql":
        op.execute(_PG_NO_TRUNCATE)
    with op.batch_alter_table('processed_delivery') as batch:
        batch.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('owner', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('processed_delivery') as batch:
        batch.drop_column('owner')
        batch.drop_column('lease_until')
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_replace")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
