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


# Plain ALTER TABLE (SQLite 3.35+ drops a column in place): a batch operation would copy the table,
# and SQLite refuses to drop ``atelier`` while other tables refer to it.
def upgrade() -> None:
    op.add_column('atelier', sa.Column('stuck_since', models.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('atelier', sa.Column('stuck_cause', sa.String(length=120), nullable=True))


def downgrade() -> None:
    op.drop_column('atelier', 'stuck_cause')
    op.drop_column('atelier', 'stuck_since')
