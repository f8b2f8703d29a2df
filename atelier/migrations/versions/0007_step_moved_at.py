"""when an event's forecast last moved, to re-announce it once settled

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for moves made before: their invitations were already sent as they happened.
    op.add_column('step', sa.Column('moved_at', models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('step') as batch:
        batch.drop_column('moved_at')
