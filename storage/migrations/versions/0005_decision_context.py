"""decision_context: the case's last decision (stop … proceed) for the approval queue, and the
requester's reason and deal on an approval request

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('last_decision', sa.String(length=20), nullable=True))
    with op.batch_alter_table('approval') as batch:
        batch.add_column(sa.Column('request_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('deal', sa.Text(), nullable=True))
        batch.add_column(sa.Column('stop', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('approval') as batch:
        batch.drop_column('stop')
        batch.drop_column('deal')
        batch.drop_column('request_reason')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('last_decision')
