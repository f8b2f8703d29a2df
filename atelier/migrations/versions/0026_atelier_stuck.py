"""atelier stuck since

An atelier whose every advance failed showed nothing but a line in the server's log: it now keeps
since when advancing fails, and why, until an advance succeeds.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('atelier') as batch:
        batch.add_column(sa.Column('stuck_since', models.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('stuck_cause', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('atelier') as batch:
        batch.drop_column('stuck_cause')
        batch.drop_column('stuck_since')
