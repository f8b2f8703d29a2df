"""practical details: how to reach the venue, a phone number for the day

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy): existing ateliers and the rows that reference them stay.
    op.add_column('atelier', sa.Column('venue_access', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('atelier', sa.Column('day_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('atelier') as batch:
        batch.drop_column('day_phone')
        batch.drop_column('venue_access')
