"""pending_prompt keeps the pressed button's argument and where its card is

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pending_prompt') as batch:
        batch.add_column(sa.Column('arg', sa.String(length=300), nullable=False, server_default=''))
        batch.add_column(sa.Column('card_message_id', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pending_prompt') as batch:
        batch.drop_column('card_message_id')
        batch.drop_column('arg')
