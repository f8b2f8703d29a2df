"""secret calendar feeds of the workspace's accounts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'calendar_feed',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_calendar_feed_account_id', 'calendar_feed', ['account_id'], unique=False)
    op.create_index('ix_calendar_feed_token_hash', 'calendar_feed', ['token_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_calendar_feed_token_hash', table_name='calendar_feed')
    op.drop_index('ix_calendar_feed_account_id', table_name='calendar_feed')
    op.drop_table('calendar_feed')
