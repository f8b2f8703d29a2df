"""the team's emergency brake on an atelier's sending

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'atelier', sa.Column('sending_suspended_at', models.types.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('atelier') as batch:
        batch.drop_column('sending_suspended_at')
